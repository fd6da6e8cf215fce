using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// A participant's duplex session: both halves of <see cref="JoinDuplex"/> on one peer connection, the answer that made
/// them, which track each of the peer's recvonly sections carries (by mid), and how many of its recvonly sections of
/// each kind have never carried one (free for the tracks to come).
/// </summary>
public sealed record DuplexSession(PublisherSession Publisher, SubscriberSession Subscriber, string AnswerSdp, IReadOnlyDictionary<string, TrackId> Receiving,
    (int Audio, int Video) FreeSections);

/// <summary>
/// One peer connection that both publishes and subscribes (LiveKit's <c>/rtc/v1</c>): a publisher session and a
/// subscriber session on one transport. RTP from the peer goes to the publisher half, RTCP to both (sender reports
/// to the one, receiver feedback to the other), the data channels live on the publisher half. The peer makes every
/// offer: sections it sends on are published tracks; each recvonly section carries one track of the room, chosen
/// by the node when it answers, or nothing. A section keeps its track while that is published and carries nothing
/// after (its subscription stays, unbound), so no section ever changes tracks under the peer.
/// </summary>
public sealed partial class SfuNode
{
    /// <summary>
    /// A duplex join: the answer to the peer's first offer, with the room's tracks <paramref name="include"/> lets
    /// through (never the participant's own) on its free recvonly sections, in section order.
    /// </summary>
    public SfuResult<DuplexSession> JoinDuplex(RoomId roomId, Participant participant, string offerSdp, string? owner, Func<PublishedTrack, bool> include)
    {
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        var localIce = IceParameters.Generate();
        PublisherSession publisher;
        SubscriberSession subscriber;
        SessionDescription answer;
        Dictionary<string, TrackId> receiving;
        lock (_lock)
        {
            var room = GetOrCreateRoom(roomId);
            if (Duplicate(room.Publishers, participant) || Duplicate(room.Subscribers, participant))
            {
                RemoveIfEmpty(room);
                return new SfuError(SfuErrorKind.Duplicate, "duplicate participant");
            }

            var bind = Binder(room, participant, include, current: null, out receiving);
            if (_negotiator.AnswerDuplex(offer!, localIce, bind, out var answered, out var published, out var received) is { } unusable)
            {
                RemoveIfEmpty(room);
                return unusable;
            }

            answer = answered!;
            var transport = CreateTransport(offer!, answer, localIce, published.Count + received.Count > 0, roomId.Kind);
            publisher = new PublisherSession(room, transport, RemoteIce(offer!), published, _time, _options.MaxVideoBitrate, participant) { Owner = owner };
            subscriber = new SubscriberSession(room, transport, RemoteIce(offer!), received, _time, CongestionOptions) { Owner = owner, Participant = participant };
            publisher.LocalDescription = answer;
            subscriber.LocalDescription = answer;
            Bind(subscriber, receiving);
            AttachData(publisher, offer!, answer);
            room.Publishers = room.Publishers.Add(publisher);
            room.Subscribers = room.Subscribers.Add(subscriber);
            publisher.IsActive = true;
            room.Rebind();
            Interlocked.Increment(ref _version);
        }

        // One transport: watched for both sessions (either ending ends the other, as the transport closes), started once.
        Watch(subscriber);
        SessionCreated?.Invoke(subscriber);
        LogSessionCreated(subscriber.Id.Value, "subscriber", roomId.Value);
        Start(publisher, "publisher");
        TracksChanged?.Invoke(publisher.Room);
        return new DuplexSession(publisher, subscriber, answer.ToString(), receiving, FreeSections(offer!, subscriber));
    }

    /// <summary>
    /// The peer's subsequent offer on its duplex session: its published tracks renegotiated as a publisher's are, its
    /// bound recvonly sections kept, and the room's tracks <paramref name="include"/> lets through and it does not
    /// receive yet placed on its free recvonly sections. The returned <see cref="DuplexSession.Receiving"/> maps every
    /// section that carries a track now.
    /// </summary>
    public SfuResult<DuplexSession> RenegotiateDuplex(DuplexSession session, string offerSdp, Func<PublishedTrack, bool> include)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        var (publisher, subscriber) = (session.Publisher, session.Subscriber);
        SessionDescription current;
        lock (_lock)
        {
            if (!publisher.Room.Publishers.Contains(publisher) || !publisher.Room.Subscribers.Contains(subscriber))
            {
                return new SfuError(SfuErrorKind.SessionNotFound, "the session has ended");
            }

            current = publisher.LocalDescription;
        }

        if (Negotiator.CheckSubsequentOffer(current, offer!, publisher.RemoteIce, publisher.RemoteFingerprint) is { } refused)
        {
            return refused;
        }

        lock (_lock)
        {
            var room = publisher.Room;
            if (!room.Publishers.Contains(publisher) || !room.Subscribers.Contains(subscriber) || publisher.LocalDescription != current)
            {
                return new SfuError(SfuErrorKind.Conflict, "the session changed or ended while the offer was answered; send it again");
            }

            var bind = Binder(room, publisher.Participant!.Value, include, subscriber, out var receiving);
            if (_negotiator.AnswerDuplex(offer!, publisher.LocalIce, bind, out var answered, out var published, out var received) is { } unusable)
            {
                return unusable;
            }

            // The same SDP session, one version on (RFC 3264 §8), and the roles of the live association (RFC 8842 §5.5).
            var answer = answered!;
            answer.Origin = current.Origin is { } origin ? origin with { SessionVersion = origin.SessionVersion + 1 } : answer.Origin;
            foreach (var section in answer.Media)
            {
                section.Setup = publisher.NodeIsDtlsServer ? DtlsSetup.Passive : DtlsSetup.Active;
            }

            publisher.Renegotiate(published);
            subscriber.Renegotiate(received);
            publisher.LocalDescription = answer;
            subscriber.LocalDescription = answer;
            Bind(subscriber, receiving);
            room.Rebind();
            Interlocked.Increment(ref _version);
            session = session with { AnswerSdp = answer.ToString(), Receiving = receiving, FreeSections = FreeSections(offer!, subscriber) };
        }

        TracksChanged?.Invoke(publisher.Room);
        return session;
    }

    /// <summary>
    /// Which track each recvonly section of the offer gets: a section bound before keeps its track while that is
    /// published (on the SSRCs it has) and gets none after; a section never bound takes the next track of its kind
    /// that <paramref name="include"/> lets through and no section carries yet. Fills <paramref name="receiving"/>
    /// as the answer is made. Under the node's lock.
    /// </summary>
    private static Func<MediaKind, string, SectionBinding?> Binder(Room room, Participant participant, Func<PublishedTrack, bool> include,
        SubscriberSession? current, out Dictionary<string, TrackId> receiving)
    {
        var published = room.PublishedTracks;
        var placed = new HashSet<TrackId>();
        foreach (var subscription in current?.Subscriptions ?? [])
        {
            if (subscription.Wanted is { } id)
            {
                placed.Add(id);
            }
        }

        var waiting = published.Where(t => t.Publisher.Participant?.Id != participant.Id && !placed.Contains(t.Id) && include(t)).ToList();
        var map = receiving = new Dictionary<string, TrackId>(StringComparer.Ordinal);
        return (kind, mid) =>
        {
            var existing = current?.Subscriptions.FirstOrDefault(s => s.Mid == mid);
            PublishedTrack? track;
            uint ssrc, rtx;
            if (existing is not null || current?.BoundMids.Contains(mid) == true)
            {
                track = existing?.Wanted is { } id ? published.FirstOrDefault(t => t.Id == id) : null;
                (ssrc, rtx) = (existing?.Ssrc ?? 0, existing?.RtxSsrc ?? Negotiator.RandomSsrc());
            }
            else
            {
                track = waiting.FirstOrDefault(t => t.Kind == kind);
                (ssrc, rtx) = (Negotiator.RandomSsrc(), Negotiator.RandomSsrc());
            }

            if (track is null || track.Kind != kind)
            {
                return null;
            }

            waiting.Remove(track);
            map[mid] = track.Id;
            return new SectionBinding(track.Publisher.Participant?.FullId ?? room.Id.Value, track.Id.Value, ssrc, rtx);
        };
    }

    /// <summary>The offer's recvonly sections of each kind that have never carried a track. Under the node's lock.</summary>
    private static (int Audio, int Video) FreeSections(SessionDescription offer, SubscriberSession subscriber)
    {
        var free = offer.Media.Where(m => m.IsLive && m.Direction == MediaDirection.RecvOnly && m.Mid is { } mid && !subscriber.BoundMids.Contains(mid)).ToList();
        return (free.Count(m => m.Kind == "audio"), free.Count(m => m.Kind == "video"));
    }

    /// <summary>Names the track each section of a duplex subscriber was bound to, for the room's binding and for good.</summary>
    private static void Bind(SubscriberSession subscriber, Dictionary<string, TrackId> receiving)
    {
        foreach (var subscription in subscriber.Subscriptions)
        {
            if (receiving.TryGetValue(subscription.Mid, out var wanted))
            {
                subscription.Wanted = wanted;
                subscriber.BoundMids.Add(subscription.Mid);
            }
        }
    }
}
