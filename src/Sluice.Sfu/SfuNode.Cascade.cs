using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// Cascades and relays: sessions for which the node is the client of another WHIP/WHEP server. The node offers
/// (<see cref="OfferPull"/>, <see cref="OfferPush"/>), the caller carries the offer over HTTP, and the answer makes
/// the session (<see cref="AcceptCascade"/>): a pull is a publisher of the room here, a push a subscriber. Its
/// transport has a socket of its own, served by the node's receive thread, so what it forwards keeps one writer.
/// </summary>
public sealed partial class SfuNode
{
    /// <summary>An offer to receive a stream from another server (WHEP): every codec we forward, and data channels.</summary>
    public CascadeOffer OfferPull(RoomId room)
    {
        var localIce = IceParameters.Generate();
        return new CascadeOffer(room, CascadeDirection.Pull, _negotiator.OfferToReceive(localIce), localIce);
    }

    /// <summary>An offer to send a room's published tracks to another server (WHIP); refused when nothing is published.</summary>
    public SfuResult<CascadeOffer> OfferPush(RoomId roomId)
    {
        var localIce = IceParameters.Generate();
        lock (_lock)
        {
            var tracks = _rooms.TryGetValue(roomId, out var room) ? room.PublishedTracks : [];
            if (tracks.IsEmpty)
            {
                return new SfuError(SfuErrorKind.StreamNotFound, $"stream '{roomId}' has no publisher here to push");
            }

            return new CascadeOffer(roomId, CascadeDirection.Push, _negotiator.OfferToSend(localIce, roomId.Value, tracks), localIce);
        }
    }

    /// <summary>
    /// The other server's answer to <paramref name="pending"/>: the session, started (its transport connects in
    /// the background), or why the answer is unusable. A pull into a stream that has a publisher is refused.
    /// </summary>
    public SfuResult<SfuSession> AcceptCascade(CascadeOffer pending, string answerSdp, CascadeLink link, Participant? participant = null, string? owner = null)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(link);
        if (!SessionDescription.TryParse(answerSdp, out var parsed, out var parseError) || parsed is not { } answer)
        {
            return new SfuError(SfuErrorKind.InvalidAnswer, "malformed SDP answer: " + parseError);
        }

        if (!RemoteTransportParameters.TryRead(answer, out var remote, out var missing))
        {
            return new SfuError(SfuErrorKind.InvalidAnswer, "the answer: " + missing);
        }

        var candidates = remote.UdpEndPoints();
        if (candidates.Count == 0)
        {
            return new SfuError(SfuErrorKind.InvalidAnswer, "the answer has no UDP candidate with an IP address (trickle-only answers are not supported)");
        }

        // The answerer picks the DTLS role (RFC 8842 §5.3): active makes it the client and us the server.
        var dtlsRole = remote.Setup == DtlsSetup.Active ? DtlsRole.Server : DtlsRole.Client;
        IReadOnlyList<NegotiatedTrack> tracks;
        if (pending.Direction == CascadeDirection.Pull)
        {
            // What the server sends is what a publisher would offer: read its sendonly sections as one.
            if (_negotiator.AnswerPublisher(answer, pending.LocalIce, out _, out tracks) is { } unusable)
            {
                return new SfuError(SfuErrorKind.InvalidAnswer, unusable.Message);
            }
        }
        else if (Negotiator.AcceptSubscriberAnswer(pending.Offer, answerSdp, remote.Ice, remote.Fingerprint, dtlsRole == DtlsRole.Server, out _, out tracks) is { } refused)
        {
            return refused;
        }

        var roomId = pending.Room;
        var outbound = new OutboundTransport(candidates, new WebRtcTransportOptions
        {
            Certificate = Certificate,
            LocalIce = pending.LocalIce,
            RemoteIce = remote.Ice,
            RemoteFingerprint = remote.Fingerprint,
            IceRole = IceRole.Controlling,
            DtlsRole = dtlsRole,
            RequireSrtp = tracks.Count > 0,
            Ice = IceOptions(roomId.Kind),
        }, _time, _mux);

        SfuSession session;
        lock (_lock)
        {
            var room = GetOrCreateRoom(roomId);
            if (pending.Direction == CascadeDirection.Pull)
            {
                if (roomId.Kind == RoomKind.Stream && !room.Publishers.IsEmpty)
                {
                    RemoveIfEmpty(room);
                    outbound.Dispose();
                    return new SfuError(SfuErrorKind.PublisherExists, $"stream '{roomId}' already has a publisher");
                }

                var publisher = new PublisherSession(room, outbound.Transport, remote.Ice, tracks, _time, _options.MaxVideoBitrate, participant)
                {
                    Owner = owner, Cascade = link, Outbound = outbound,
                };
                room.Publishers = room.Publishers.Add(publisher);
                publisher.IsActive = true;
                session = publisher;
            }
            else
            {
                var subscriber = new SubscriberSession(room, outbound.Transport, remote.Ice, tracks, _time, congestion: null)
                {
                    Owner = owner, Participant = participant, Cascade = link, Outbound = outbound,
                };
                room.Subscribers = room.Subscribers.Add(subscriber);
                session = subscriber;
            }

            session.LocalDescription = pending.Offer;
            if (NegotiatedData.From(answer, pending.Offer) is { } data)
            {
                session.AttachData(data, _options, () => ConferenceSignalling, () => ConferenceData);
            }

            room.Rebind();
            Interlocked.Increment(ref _version);
        }

        Start(session, pending.Direction == CascadeDirection.Pull ? "cascade publisher" : "cascade subscriber");
        return session;
    }

    /// <summary>
    /// A relay's subscription to one publisher of a conference (another node carries that person to its own
    /// subscribers): a subscriber session whose sections receive only that publisher's tracks, its first audio and
    /// video ones, in order. Refused when the publisher is not here or publishes nothing yet.
    /// </summary>
    private static List<PublishedTrack> PublisherTracks(Room room, string publisherFullId) =>
        [.. room.Publishers.Where(p => p.Participant?.FullId == publisherFullId).SelectMany(p => p.PublishedTracks)];

    public SfuResult<SessionAnswer> SubscribeToPublisher(RoomId roomId, string offerSdp, string publisherFullId, string? owner = null)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(roomId, out var room) || !room.Publishers.Any(p => p.Participant?.FullId == publisherFullId && p.IsActive))
            {
                return new SfuError(SfuErrorKind.StreamNotFound, $"'{publisherFullId}' does not publish in room '{roomId}' on this node");
            }
        }

        // A relay carries every encoding of the person's tracks: each node chooses for its own viewers.
        var result = Subscribe(roomId, offerSdp, owner, relayed: room => PublisherTracks(room, publisherFullId));
        if (result.Value is not { Session: SubscriberSession subscriber })
        {
            return result;
        }

        lock (_lock)
        {
            var tracks = PublisherTracks(subscriber.Room, publisherFullId);
            foreach (var kind in new[] { MediaKind.Audio, MediaKind.Video })
            {
                var ofKind = tracks.Where(t => t.Kind == kind).ToList();
                var sections = subscriber.Subscriptions.Where(s => s.Kind == kind).GroupBy(s => s.Mid).ToList();
                for (var i = 0; i < sections.Count; i++)
                {
                    // A section with no track of that person waits on an id nobody has, never on someone else's track.
                    var wanted = i < ofKind.Count ? ofKind[i].Id : TrackId.New();
                    foreach (var subscription in sections[i])
                    {
                        subscription.Wanted = wanted;
                    }
                }
            }

            subscriber.Room.Rebind();
        }

        return result;
    }
}
