using System.Globalization;
using Microsoft.Extensions.Options;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server.Health;

/// <summary>
/// Drain: once started (SIGTERM or POST /api/drain) the node refuses new sessions, keeps the ones it has
/// until they end or <see cref="DrainOptions.DeadlineSeconds"/> passes, then stops the application.
/// The node and options are resolved only when a drain starts, so this can be built with the host.
/// </summary>
internal sealed partial class DrainCoordinator
{
    private readonly IServiceProvider _services;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<DrainCoordinator> _logger;
    private readonly SemaphoreSlim _sessionEnded = new(0);
    private readonly Lock _startLock = new();
    private int _draining;
    private Task? _drain;

    public DrainCoordinator(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<DrainCoordinator> logger)
    {
        _services = services;
        _lifetime = lifetime;
        _logger = logger;
    }

    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>When the node exits even with sessions live; null unless draining.</summary>
    public DateTimeOffset? Deadline { get; private set; }

    /// <summary>The drain in progress (it ends when the node has been told to stop), or null.</summary>
    public Task? Completion => Volatile.Read(ref _drain);

    private DrainOptions Options => _services.GetRequiredService<IOptions<DrainOptions>>().Value;

    /// <summary>Starts draining; false if a drain had already started (the first one's deadline holds).</summary>
    public bool Start(string reason)
    {
        var node = _services.GetRequiredService<SfuNode>();
        var deadline = TimeSpan.FromSeconds(Options.DeadlineSeconds);
        lock (_startLock)
        {
            if (IsDraining)
            {
                return false;
            }

            // The deadline first: whoever sees the node draining also sees when it stops.
            Deadline = TimeProvider.System.GetUtcNow() + deadline;
            Volatile.Write(ref _draining, 1);
        }

        // Subscribed before counting, so no session can end unseen between the count and the wait.
        node.SessionEnded += _ => _sessionEnded.Release();
        LogDrainStarted(reason, SessionCount(node), Options.DeadlineSeconds);
        Volatile.Write(ref _drain, Task.Run(() => DrainAsync(node, deadline)));
        return true;
    }

    /// <summary>The answer to a WHIP/WHEP POST while draining (503, Retry-After), or null to go on.</summary>
    public IResult? RefuseIfDraining(HttpContext context)
    {
        if (!IsDraining)
        {
            return null;
        }

        var retryAfter = Options.RetryAfterSeconds;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Node draining",
            $"this node is shutting down and accepts no new sessions; retry in {retryAfter} s (another node will take it)");
    }

    public static int SessionCount(SfuNode node)
    {
        var count = 0;
        foreach (var stream in node.Rooms)
        {
            count += stream.Publishers.Length + stream.Subscribers.Length;
        }

        return count;
    }

    private async Task DrainAsync(SfuNode node, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _lifetime.ApplicationStopping);
        try
        {
            while (SessionCount(node) > 0)
            {
                await _sessionEnded.WaitAsync(stop.Token);
            }

            LogDrained();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            LogDeadlinePassed(SessionCount(node));
        }
        catch (OperationCanceledException)
        {
            // The application is stopping for another reason; nothing left to do.
            return;
        }

        _lifetime.StopApplication();
    }

    [LoggerMessage(1, LogLevel.Warning, "Draining ({Reason}): refusing new sessions; {Sessions} live, stopping when they end or in {DeadlineSeconds} s")]
    private partial void LogDrainStarted(string reason, int sessions, int deadlineSeconds);

    [LoggerMessage(2, LogLevel.Warning, "Drained: every session ended; stopping")]
    private partial void LogDrained();

    [LoggerMessage(3, LogLevel.Warning, "Drain deadline passed with {Sessions} sessions live; stopping")]
    private partial void LogDeadlinePassed(int sessions);
}
