namespace Sluice.Testing;

/// <summary>
/// A clock that moves only when a test says so; timers created from it fire during <see cref="Advance"/>,
/// in due order, each seeing the clock at its own due time.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Every timer created so far, armed or not, in creation order.</summary>
    public IReadOnlyList<ManualTimer> Timers
    {
        get
        {
            lock (_lock)
            {
                return [.. _timers];
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _start + TimeSpan.FromTicks(_ticks);
        }
    }

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        long target;
        lock (_lock)
        {
            target = _ticks + by.Ticks;
        }

        while (true)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt is { } at && at <= target && (next is null || at < next.DueAt))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _ticks = target;
                    return;
                }

                _ticks = next.DueAt!.Value;
                next.DueAt = next.Period > 0 ? next.DueAt + next.Period : null;
            }

            next.Fire();
        }
    }

    public sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        /// <summary>When it fires next, in the provider's timestamp ticks; null when disarmed.</summary>
        public long? DueAt { get; internal set; }

        public long Period { get; private set; }

        /// <summary>The last finite due time passed to <see cref="Change"/>.</summary>
        public TimeSpan? LastDueTime { get; private set; }

        public bool IsDisposed { get; private set; }

        /// <summary>Runs the callback now, as a timer firing early would.</summary>
        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                if (IsDisposed)
                {
                    return false;
                }

                Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    DueAt = null;
                    return true;
                }

                LastDueTime = dueTime;
                DueAt = owner._ticks + dueTime.Ticks;
            }

            return true;
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                IsDisposed = true;
                DueAt = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
