using Sluice.Client.Signaling;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Cascade;

/// <summary>
/// Starts cascades: the node offers (<see cref="SfuNode.OfferPull"/> or <see cref="SfuNode.OfferPush"/>), POSTs the
/// offer to the remote WHEP or WHIP endpoint as any WHIP/WHEP client does (RFC 9725), and makes the session from the
/// answer. When a cascade session ends, for whatever reason, its remote session is DELETEd.
/// </summary>
internal sealed partial class CascadeClient : IDisposable
{
    /// <summary>How long the remote server has to answer the offer.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    private readonly SfuNode _node;
    private readonly HttpClient _http;
    private readonly ILogger<CascadeClient> _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _deletes = new();

    public CascadeClient(SfuNode node, ILogger<CascadeClient> logger)
    {
        _node = node;
        _logger = logger;
        _http = new HttpClient { Timeout = AnswerTimeout };
        _node.SessionEnded += OnSessionEnded;
    }

    /// <summary>
    /// Pulls <paramref name="source"/> (a WHEP endpoint) into <paramref name="room"/>, or pushes the room to
    /// <paramref name="target"/> (a WHIP endpoint): the session, connecting, or why not.
    /// </summary>
    public async Task<SfuResult<SfuSession>> StartAsync(RoomId room, CascadeDirection direction, Uri url, string? token,
        bool relay = false, Participant? participant = null, CancellationToken cancellationToken = default)
    {
        CascadeOffer offer;
        if (direction == CascadeDirection.Pull)
        {
            // Checked again when the answer is accepted; asked now so that no remote session is made for nothing.
            if (room.Kind == RoomKind.Stream && _node.TryGetRoom(room, out var existing) && !existing!.Publishers.IsEmpty)
            {
                return new SfuError(SfuErrorKind.PublisherExists, $"stream '{room}' already has a publisher here; a pull would be a second one");
            }

            offer = _node.OfferPull(room);
        }
        else
        {
            var push = _node.OfferPush(room);
            if (push.Error is { } none)
            {
                return none;
            }

            offer = push.Value!;
        }

        var client = new SessionClient(_http, url, token);
        SessionResult result;
        try
        {
            result = await client.CreateAsync(offer.Sdp, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(new SfuError(SfuErrorKind.CascadeTimedOut, $"{Verb(direction)} {url}: no answer within {AnswerTimeout.TotalSeconds:0} s"));
        }

        if (result.Error is { } error)
        {
            return Failed(new SfuError(SfuErrorKind.CascadeFailed, $"{Verb(direction)} {url}: {error.Describe()}"));
        }

        var answer = result.Answer!;
        var link = new CascadeLink(direction, url) { SessionUrl = answer.Location, Token = token, IsRelay = relay };
        var accepted = _node.AcceptCascade(offer, answer.Sdp, link, participant);
        if (accepted.Error is { } refused)
        {
            // The remote session exists but is of no use here: end it there too.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DeleteAsync(timeout.Token);
            return Failed(refused.Kind == SfuErrorKind.PublisherExists ? refused : new SfuError(SfuErrorKind.CascadeFailed, $"{Verb(direction)} {url}: {refused.Message}"));
        }

        LogStarted(_logger, Verb(direction), room.Value, url, answer.Location);
        return accepted;
    }

    private SfuError Failed(SfuError error)
    {
        LogFailed(_logger, error.Message);
        return error;
    }

    private void OnSessionEnded(SfuSession session)
    {
        if (session.Cascade is not { SessionUrl: { } location } link)
        {
            return;
        }

        var delete = DeleteRemoteAsync(link, location, session);
        _deletes[delete] = 0;
        _ = delete.ContinueWith(done => _deletes.TryRemove(done, out _), TaskScheduler.Default);
    }

    /// <summary>Ends every cascade session of the node (the node is stopping) and waits for their remote DELETEs.</summary>
    public async Task EndAllAsync(CancellationToken cancellationToken)
    {
        foreach (var room in _node.Rooms)
        {
            foreach (var session in room.Publishers.Cast<SfuSession>().Concat(room.Subscribers))
            {
                if (session.Cascade is not null)
                {
                    _node.EndSession(session, SessionEndReason.NodeStopped);
                }
            }
        }

        try
        {
            await Task.WhenAll(_deletes.Keys).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The remote servers will expire those sessions on their own (consent).
        }
    }

    private async Task DeleteRemoteAsync(CascadeLink link, Uri location, SfuSession session)
    {
        // The remote end may be the one that went away: its error is logged, not raised.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var error = await SessionClient.ForSession(_http, location, link.Token).DeleteAsync(timeout.Token);
        LogEnded(_logger, Verb(link.Direction), session.Room.Id.Value, location, session.EndReason.ToString(), error?.Describe() ?? "done");
    }

    private static string Verb(CascadeDirection direction) => direction == CascadeDirection.Pull ? "pull from" : "push to";

    public void Dispose()
    {
        _node.SessionEnded -= OnSessionEnded;
        _http.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "Cascade: {Verb} {Url} for stream '{Stream}' started (remote session {Location})")]
    private static partial void LogStarted(ILogger logger, string verb, string stream, Uri url, Uri? location);

    [LoggerMessage(2, LogLevel.Warning, "Cascade failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Information, "Cascade: {Verb} for stream '{Stream}' ended ({Reason}); DELETE {Location}: {Outcome}")]
    private static partial void LogEnded(ILogger logger, string verb, string stream, Uri location, string reason, string outcome);
}
