using Microsoft.Extensions.Options;
using Sluice.Client.Signaling;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Cascade;

/// <summary>
/// Keeps the cascades of the configuration (<c>Streams:{name}:Source</c>, <c>Streams:{name}:Targets</c>) up: each is
/// started with the node and started again whenever it fails or its session ends, after 5 s, doubling up to 60 s
/// while attempts keep failing (a session that connected resets the wait). A push waits for the stream to have a
/// publisher here. At stop, every cascade's remote session is DELETEd.
/// </summary>
internal sealed partial class CascadeSupervisor : BackgroundService
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PublisherPoll = TimeSpan.FromMilliseconds(250);

    private readonly SfuNode _node;
    private readonly CascadeClient _client;
    private readonly IReadOnlyDictionary<string, StreamOptions> _streams;
    private readonly TimeProvider _time;
    private readonly ILogger<CascadeSupervisor> _logger;

    public CascadeSupervisor(SfuNode node, CascadeClient client, IOptions<ServerOptions> options, TimeProvider time, ILogger<CascadeSupervisor> logger)
    {
        _node = node;
        _client = client;
        _streams = options.Value.Streams;
        _time = time;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var (name, stream) in _streams)
        {
            var room = new RoomId(name);
            if (stream.Source is { } source && CascadeEndpoint.TryParse(source, "whep", out var pull, out _))
            {
                loops.Add(KeepAsync(room, CascadeDirection.Pull, pull, stoppingToken));
            }

            foreach (var target in stream.Targets)
            {
                if (CascadeEndpoint.TryParse(target, "whip", out var push, out _))
                {
                    loops.Add(KeepAsync(room, CascadeDirection.Push, push, stoppingToken));
                }
            }
        }

        return Task.WhenAll(loops);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _client.EndAllAsync(cancellationToken);
    }

    private async Task KeepAsync(RoomId room, CascadeDirection direction, CascadeEndpoint endpoint, CancellationToken stop)
    {
        var backoff = new Backoff(FirstRetry, LastRetry);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (direction == CascadeDirection.Push && !HasPublisher(room))
                {
                    await Task.Delay(PublisherPoll, _time, stop);
                    continue;
                }

                var started = await _client.StartAsync(room, direction, endpoint.Url, endpoint.Token, cancellationToken: stop);
                string reason;
                if (started.Value is { } session)
                {
                    await Ended(session, stop);
                    if (session.ConnectedAt is not null)
                    {
                        backoff.Reset();
                    }

                    reason = session.EndReason.ToString();
                }
                else
                {
                    reason = started.Error!.Message;
                }

                var wait = backoff.Next();
                LogRetrying(_logger, room.Value, endpoint.Url, reason, wait.TotalSeconds);
                await Task.Delay(wait, _time, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private bool HasPublisher(RoomId room) => _node.TryGetRoom(room, out var found) && !found!.PublishedTracks.IsEmpty;

    /// <summary>Completes when the session has ended (or the node stops).</summary>
    private Task Ended(SfuSession session, CancellationToken stop)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEnded(SfuSession s)
        {
            if (s == session)
            {
                ended.TrySetResult();
            }
        }

        _node.SessionEnded += OnEnded;
        if (session.EndReason != SessionEndReason.None)
        {
            ended.TrySetResult();
        }

        return ended.Task.WaitAsync(stop).ContinueWith(_ => _node.SessionEnded -= OnEnded, TaskScheduler.Default);
    }

    [LoggerMessage(1, LogLevel.Warning, "Cascade of stream '{Stream}' with {Url} is down ({Reason}); trying again in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, string stream, Uri url, string reason, double seconds);
}
