using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>The node's first offer to a subscriber it opens itself, waiting for the answer that makes the session.</summary>
public sealed record SubscriberOffer(RoomId Room, Participant Participant, string? Owner, SessionDescription Offer, IceParameters LocalIce,
    IReadOnlyDictionary<string, TrackId> Added)
{
    public string Sdp => Offer.ToString();
}

/// <summary>
/// Subscriber sessions the node opens with an offer of its own (LiveKit's subscriber peer connection, which the server
/// offers): <see cref="OfferSubscriber"/> makes the offer, <see cref="AcceptSubscriberAnswer"/> the session from the
/// answer, on the shared media port like any other; later changes go through <see cref="CreateOffer"/> and
/// <see cref="ApplyAnswer"/> as for a subscriber that offered first.
/// </summary>
public sealed partial class SfuNode
{
    /// <summary>
    /// An offer with the room's published tracks (those <paramref name="include"/> lets through, none of the
    /// participant's own) and data channels; the msid stream id of each track names its publisher's full id.
    /// </summary>
    public SubscriberOffer OfferSubscriber(RoomId roomId, Participant participant, string? owner = null, Func<PublishedTrack, bool>? include = null)
    {
        var localIce = IceParameters.Generate();
        lock (_lock)
        {
            var tracks = _rooms.TryGetValue(roomId, out var room)
                ? room.PublishedTracks.Where(t => t.Publisher.Participant?.Id != participant.Id && (include is null || include(t))).ToList()
                : [];
            var (offer, added) = _negotiator.OfferNewSubscriber(localIce, track => track.Publisher.Participant?.FullId ?? roomId.Value, tracks);
            return new SubscriberOffer(roomId, participant, owner, offer, localIce, added);
        }
    }

    /// <summary>
    /// The subscriber's answer to <paramref name="pending"/>: the session, started, or why the answer is unusable (or
    /// a live subscriber session of the same participant exists).
    /// </summary>
    public SfuResult<SubscriberSession> AcceptSubscriberAnswer(SubscriberOffer pending, string answerSdp)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (!SessionDescription.TryParse(answerSdp, out var parsed, out var parseError) || parsed is not { } answer)
        {
            return new SfuError(SfuErrorKind.InvalidAnswer, "malformed SDP answer: " + parseError);
        }

        if (!RemoteTransportParameters.TryRead(answer, out var remote, out var missing))
        {
            return new SfuError(SfuErrorKind.InvalidAnswer, "the answer: " + missing);
        }

        // The answerer picks the DTLS role (RFC 8842 §5.3): active (what browsers say) makes it the client.
        var dtlsRole = remote.Setup == DtlsSetup.Passive ? DtlsRole.Client : DtlsRole.Server;
        if (Negotiator.AcceptSubscriberAnswer(pending.Offer, answerSdp, remote.Ice, remote.Fingerprint, dtlsRole == DtlsRole.Server, out _, out var tracks) is { } refused)
        {
            return refused;
        }

        SubscriberSession session;
        lock (_lock)
        {
            var room = GetOrCreateRoom(pending.Room);
            if (Duplicate(room.Subscribers, pending.Participant))
            {
                RemoveIfEmpty(room);
                return new SfuError(SfuErrorKind.Duplicate, "duplicate subscriber");
            }

            var transport = new WebRtcTransport(_mux, new WebRtcTransportOptions
            {
                Certificate = Certificate,
                LocalIce = pending.LocalIce,
                RemoteIce = remote.Ice,
                RemoteFingerprint = remote.Fingerprint,
                DtlsRole = dtlsRole,
                RequireSrtp = tracks.Count > 0,
                Ice = IceOptions(pending.Room.Kind),
            }, _time);
            session = new SubscriberSession(room, transport, remote.Ice, tracks, _time, CongestionOptions)
            {
                Owner = pending.Owner, Participant = pending.Participant,
            };
            session.LocalDescription = pending.Offer;
            foreach (var subscription in session.Subscriptions)
            {
                if (pending.Added.TryGetValue(subscription.Mid, out var wanted))
                {
                    subscription.Wanted = wanted;
                }
            }

            if (NegotiatedData.From(answer, pending.Offer) is { } data)
            {
                session.AttachData(data, _options, () => ConferenceSignalling, () => ConferenceData);
            }

            room.Subscribers = room.Subscribers.Add(session);
            room.Rebind();
            Interlocked.Increment(ref _version);
        }

        Start(session, "subscriber");
        return session;
    }
}
