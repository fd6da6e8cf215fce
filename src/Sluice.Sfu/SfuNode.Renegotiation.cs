using Sluice.Rtc.Sdp;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>Renegotiation of live sessions: a publisher's new offer, and the node's offers to subscribers.</summary>
public sealed partial class SfuNode
{
    /// <summary>
    /// The published tracks of a room changed (a publisher connected, left, or renegotiated), raised outside the
    /// node's lock. Signalling that can carry a node-initiated offer (a room's control channel) answers with
    /// <see cref="CreateOffer"/> for each subscriber it serves.
    /// </summary>
    public event Action<Room>? TracksChanged;

    public ValueTask<SfuResult<SessionAnswer>> RenegotiateAsync(RoomId room, SessionId session, string offerSdp, string? ifMatch, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Renegotiate(room, session, offerSdp, ifMatch));

    public ValueTask<SfuResult<string>> CreateOfferAsync(RoomId room, SessionId session, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(CreateOffer(room, session));

    public ValueTask<SfuResult<SessionAnswer>> ApplyAnswerAsync(RoomId room, SessionId session, string answerSdp, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ApplyAnswer(room, session, answerSdp));

    /// <summary>
    /// A publisher's subsequent offer (a track added, replaced or stopped) on its live session: same transport,
    /// sections kept in place. Tracks of sections that stay keep their identity and subscribers; a stopped
    /// section's track ends; a new section is a new track.
    /// </summary>
    public SfuResult<SessionAnswer> Renegotiate(RoomId roomId, SessionId sessionId, string offerSdp, string? ifMatch)
    {
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        if (Live(roomId, sessionId, ifMatch, out var found) is { } gone)
        {
            return gone;
        }

        if (found is not PublisherSession publisher)
        {
            return new SfuError(SfuErrorKind.Conflict,
                "a subscriber's session is renegotiated by the node's offers; only a publisher sends a new offer");
        }

        SessionDescription current;
        lock (_lock)
        {
            current = publisher.LocalDescription;
        }

        if (Negotiator.CheckSubsequentOffer(current, offer!, publisher.RemoteIce, publisher.RemoteFingerprint) is { } refused)
        {
            return refused;
        }

        if (_negotiator.AnswerPublisher(offer!, publisher.LocalIce, out var answer, out var tracks) is { } unusable)
        {
            return unusable;
        }

        // The same SDP session, one version on (RFC 3264 §8), and the roles of the live association (RFC 8842 §5.5).
        answer!.Origin = current.Origin is { } origin ? origin with { SessionVersion = origin.SessionVersion + 1 } : answer.Origin;
        foreach (var section in answer.Media)
        {
            section.Setup = publisher.NodeIsDtlsServer ? DtlsSetup.Passive : DtlsSetup.Active;
        }

        lock (_lock)
        {
            if (!publisher.Room.Publishers.Contains(publisher) || publisher.LocalDescription != current)
            {
                return new SfuError(SfuErrorKind.Conflict, "the session changed or ended while the offer was answered; send it again");
            }

            publisher.Renegotiate(tracks);
            publisher.LocalDescription = answer;
            publisher.Room.Rebind();
            Interlocked.Increment(ref _version);
        }

        TracksChanged?.Invoke(publisher.Room);
        return new SessionAnswer(publisher, answer.ToString());
    }

    /// <summary>
    /// The node's offer to a subscriber: a new sendonly section for each published track of the room it does not
    /// receive yet (of those <paramref name="include"/> takes, when given; never the subscriber's own person's in a
    /// conference), and sections offered for tracks that ended made inactive. One offer at a time: until its answer
    /// arrives (<see cref="ApplyAnswer"/>) or it is withdrawn (<see cref="WithdrawOffer"/>) another is refused with
    /// <see cref="SfuErrorKind.Conflict"/>.
    /// </summary>
    public SfuResult<string> CreateOffer(RoomId roomId, SessionId sessionId, Func<PublishedTrack, bool>? include = null)
    {
        if (Live(roomId, sessionId, ifMatch: null, out var found) is { } gone)
        {
            return gone;
        }

        if (found is not SubscriberSession subscriber)
        {
            return new SfuError(SfuErrorKind.Conflict, "the node offers only to subscribers; a publisher sends its own offers");
        }

        lock (_lock)
        {
            if (subscriber.Pending is not null)
            {
                return new SfuError(SfuErrorKind.Conflict, "an offer to this session is waiting for its answer");
            }

            var published = subscriber.Room.PublishedTracks;
            var add = new List<PublishedTrack>();
            foreach (var track in published)
            {
                if (!Receives(subscriber, track) && !Room.IsOwn(subscriber, track) && (include is null || include(track)))
                {
                    add.Add(track);
                }
            }

            var stop = new HashSet<string>();
            foreach (var subscription in subscriber.Subscriptions)
            {
                if (subscription.Wanted is { } wanted && !published.Any(t => t.Id == wanted))
                {
                    stop.Add(subscription.Mid);
                }
            }

            // The msid stream id names the publisher in a conference (clients key their tiles on it), the stream otherwise.
            var (offer, added) = _negotiator.OfferSubscriber(subscriber.LocalDescription, subscriber.LocalIce,
                track => track.Publisher.Participant?.FullId ?? roomId.Value, add, stop);
            subscriber.Pending = new PendingOffer(offer, added);
            return offer.ToString();
        }
    }

    /// <summary>
    /// A subscriber's answer to the node's offer. A malformed answer, or one that does not fit the offer, is refused
    /// and the session keeps its last good state (the offer stays pending, so a corrected answer may follow).
    /// </summary>
    public SfuResult<SessionAnswer> ApplyAnswer(RoomId roomId, SessionId sessionId, string answerSdp)
    {
        if (Live(roomId, sessionId, ifMatch: null, out var found) is { } gone)
        {
            return gone;
        }

        if (found is not SubscriberSession subscriber)
        {
            return new SfuError(SfuErrorKind.Conflict, "no offer was made to this session");
        }

        PendingOffer? pending;
        lock (_lock)
        {
            pending = subscriber.Pending;
        }

        if (pending is null)
        {
            return new SfuError(SfuErrorKind.Conflict, "no offer to this session is waiting for an answer");
        }

        if (Negotiator.AcceptSubscriberAnswer(pending.Offer, answerSdp, subscriber.RemoteIce, subscriber.RemoteFingerprint,
                subscriber.NodeIsDtlsServer, out _, out var tracks) is { } refused)
        {
            return refused;
        }

        lock (_lock)
        {
            if (subscriber.Pending != pending || !subscriber.Room.Subscribers.Contains(subscriber))
            {
                return new SfuError(SfuErrorKind.Conflict, "the session changed or ended while the answer was checked");
            }

            subscriber.Renegotiate(tracks);
            foreach (var subscription in subscriber.Subscriptions)
            {
                if (pending.Added.TryGetValue(subscription.Mid, out var wanted))
                {
                    subscription.Wanted = wanted;
                }
            }

            subscriber.LocalDescription = pending.Offer;
            subscriber.Pending = null;
            subscriber.Room.Rebind();
            Interlocked.Increment(ref _version);
        }

        return new SessionAnswer(subscriber, pending.Offer.ToString());
    }

    /// <summary>
    /// Forgets the offer waiting for an answer (the peer never answered it, or answered it wrongly): the session
    /// keeps its last good state, and the next offer starts from it. False when no offer was waiting.
    /// </summary>
    public bool WithdrawOffer(SfuSession session)
    {
        lock (_lock)
        {
            if (session is not SubscriberSession { Pending: not null } subscriber)
            {
                return false;
            }

            subscriber.Pending = null;
            return true;
        }
    }

    private static bool Receives(SubscriberSession subscriber, PublishedTrack track)
    {
        foreach (var subscription in subscriber.Subscriptions)
        {
            if (subscription.Wanted == track.Id || subscription.Source == track)
            {
                return true;
            }
        }

        return false;
    }

    private SfuError? Live(RoomId roomId, SessionId sessionId, string? ifMatch, out SfuSession? session)
    {
        session = FindSession(roomId, sessionId);
        if (session is null)
        {
            return new SfuError(SfuErrorKind.SessionNotFound, $"session '{sessionId}' of stream '{roomId}' has ended");
        }

        if (ifMatch is { Length: > 0 } && ifMatch != "*" && ifMatch != session.ETag)
        {
            return new SfuError(SfuErrorKind.PreconditionFailed,
                $"If-Match {ifMatch} does not match the session's current ETag {session.ETag}; fetch it again");
        }

        return null;
    }
}
