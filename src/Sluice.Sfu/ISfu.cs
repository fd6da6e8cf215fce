using Sluice.Rtc.Ice;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// What the signalling side (HTTP, later WebSocket) asks of the forwarding side, with typed ids. Asynchronous
/// because in a cluster a directory on Redis answers some of it; <see cref="SfuNode"/> is the single-node
/// implementation, and answers at once. Expected failures are <see cref="SfuError"/> values.
/// </summary>
public interface ISfu
{
    /// <summary>A publisher's offer (WHIP): a session feeding the room, and our answer.</summary>
    ValueTask<SfuResult<SessionAnswer>> PublishAsync(RoomId room, string offerSdp, string? owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// A subscriber's offer (WHEP): a session receiving the room's tracks, now or once they arrive. A
    /// <paramref name="relay"/> (another node of the cluster) gets every encoding of each track, so that node chooses
    /// for its own viewers.
    /// </summary>
    ValueTask<SfuResult<SessionAnswer>> SubscribeAsync(RoomId room, string offerSdp, string? owner, bool relay = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// A participant's offer in a conference (<see cref="RoomKind.Conference"/>): as publisher (one of any number)
    /// or subscriber (its sections come with the node's offers). A live session with the same full id and role is refused.
    /// </summary>
    ValueTask<SfuResult<SessionAnswer>> JoinAsync(RoomId room, SessionRole role, Participant participant, string offerSdp, string? owner, CancellationToken cancellationToken = default);

    ValueTask<SfuSession?> FindSessionAsync(RoomId room, SessionId session, CancellationToken cancellationToken = default);

    /// <summary>ICE restart (RFC 9725 §4.4.2): the peer's new credentials in, ours out; <paramref name="ifMatch"/> checked against the session's ETag.</summary>
    ValueTask<SfuResult<IceParameters>> RestartIceAsync(RoomId room, SessionId session, IceParameters remote, string? ifMatch, CancellationToken cancellationToken = default);

    /// <summary>A publisher's subsequent offer on its live session (a track added or stopped), and our answer.</summary>
    ValueTask<SfuResult<SessionAnswer>> RenegotiateAsync(RoomId room, SessionId session, string offerSdp, string? ifMatch, CancellationToken cancellationToken = default);

    /// <summary>The node's offer to a subscriber, bringing its sections up to the room's published tracks; one at a time.</summary>
    ValueTask<SfuResult<string>> CreateOfferAsync(RoomId room, SessionId session, CancellationToken cancellationToken = default);

    /// <summary>The subscriber's answer to <see cref="CreateOfferAsync"/>; refused, with the session unchanged, when it does not fit.</summary>
    ValueTask<SfuResult<SessionAnswer>> ApplyAnswerAsync(RoomId room, SessionId session, string answerSdp, CancellationToken cancellationToken = default);

    /// <summary>Ends a session; false if there was none.</summary>
    ValueTask<bool> EndSessionAsync(RoomId room, SessionId session, SessionEndReason reason, CancellationToken cancellationToken = default);

    /// <summary>Creates an empty room that stays until deleted; false if it exists.</summary>
    ValueTask<bool> CreateRoomAsync(RoomId room, CancellationToken cancellationToken = default);

    /// <summary>Ends every session of a room and removes it; false if unknown.</summary>
    ValueTask<bool> DeleteRoomAsync(RoomId room, CancellationToken cancellationToken = default);
}
