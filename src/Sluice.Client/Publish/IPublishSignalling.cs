using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Publish;

/// <summary>How a publisher's offer reaches a server and its session ends: WHIP's HTTP, or LiveKit's WebSocket.</summary>
internal interface IPublishSignalling : IAsyncDisposable
{
    /// <summary>Sends the offer for <paramref name="tracks"/> (in its section order); the answer, or what went wrong.</summary>
    Task<SessionResult> OfferAsync(SessionDescription offer, IReadOnlyList<PublishTrack> tracks, CancellationToken cancellationToken);

    /// <summary>Ends the session; null on success, else the error.</summary>
    Task<SessionError?> EndAsync(CancellationToken cancellationToken);
}

/// <summary>WHIP (RFC 9725): POST the offer, DELETE the session's URL at the end.</summary>
internal sealed class WhipSignalling(SessionClient session) : IPublishSignalling
{
    public Task<SessionResult> OfferAsync(SessionDescription offer, IReadOnlyList<PublishTrack> tracks, CancellationToken cancellationToken) =>
        session.CreateAsync(offer.ToString(), cancellationToken);

    public Task<SessionError?> EndAsync(CancellationToken cancellationToken) => session.DeleteAsync(cancellationToken);

    public ValueTask DisposeAsync() => session.DisposeAsync();
}
