using System.Collections.Concurrent;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Admin;

/// <summary>
/// The admin API's clock: every <see cref="StatsInterval"/> it reads each session's transport byte counters and
/// keeps the bitrate over that interval, then bumps <see cref="Tick"/> so event streams send fresh numbers. It
/// only reads counters the node's threads write, on a timer thread of its own.
/// </summary>
internal sealed class AdminMonitor : IHostedService, IDisposable
{
    public static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(2);

    private readonly SfuNode _node;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Reading> _samples = new(StringComparer.Ordinal);
    private ITimer? _timer;
    private long _tick;
    private int _openEventStreams;

    public AdminMonitor(SfuNode node, TimeProvider time)
    {
        _node = node;
        _time = time;
        StartedAt = time.GetTimestamp();
    }

    /// <summary>Counts stats ticks; readers compare it to the value they last saw.</summary>
    public long Tick => Interlocked.Read(ref _tick);

    public long StartedAt { get; private set; }

    /// <summary>Event streams being served now.</summary>
    public int OpenEventStreams => Volatile.Read(ref _openEventStreams);

    public TimeSpan Uptime => _time.GetElapsedTime(StartedAt);

    /// <summary>Bit/s received from and sent to a session over the last tick; zero before its first full tick.</summary>
    public (long In, long Out) Bitrate(string sessionId) =>
        _samples.TryGetValue(sessionId, out var sample) ? (sample.BitrateIn, sample.BitrateOut) : (0, 0);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartedAt = _time.GetTimestamp();
        _timer = _time.CreateTimer(_ => Sample(), null, StatsInterval, StatsInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>One tick: new rates for live sessions, ended sessions forgotten.</summary>
    internal void Sample()
    {
        var now = _time.GetTimestamp();
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stream in _node.Rooms)
        {
            foreach (var publisher in stream.Publishers)
            {
                Measure(publisher, now, live);
            }

            foreach (var subscriber in stream.Subscribers)
            {
                Measure(subscriber, now, live);
            }
        }

        foreach (var id in _samples.Keys)
        {
            if (!live.Contains(id))
            {
                _samples.TryRemove(id, out _);
            }
        }

        Interlocked.Increment(ref _tick);
    }

    private void Measure(SfuSession session, long now, HashSet<string> live)
    {
        live.Add(session.Id.Value);
        var bytesIn = session.TransportBytesReceived;
        var bytesOut = session.TransportBytesSent;
        if (_samples.TryGetValue(session.Id.Value, out var previous))
        {
            var seconds = _time.GetElapsedTime(previous.Timestamp, now).TotalSeconds;
            var rateIn = seconds > 0 ? (long)((bytesIn - previous.BytesIn) * 8 / seconds) : 0;
            var rateOut = seconds > 0 ? (long)((bytesOut - previous.BytesOut) * 8 / seconds) : 0;
            _samples[session.Id.Value] = new Reading(now, bytesIn, bytesOut, rateIn, rateOut);
        }
        else
        {
            _samples[session.Id.Value] = new Reading(now, bytesIn, bytesOut, 0, 0);
        }
    }

    internal void EventStreamOpened() => Interlocked.Increment(ref _openEventStreams);

    internal void EventStreamClosed() => Interlocked.Decrement(ref _openEventStreams);

    public void Dispose() => _timer?.Dispose();

    private sealed record Reading(long Timestamp, long BytesIn, long BytesOut, long BitrateIn, long BitrateOut);
}
