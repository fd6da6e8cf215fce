namespace Sluice.Rtc.Congestion;

/// <summary>
/// The loss-based rate (draft-ietf-rmcat-gcc-02 §6): below 2 % loss it may grow 8 % a second, between 2 and 10 %
/// it holds, above 10 % it is cut by half the loss fraction, at most once per 300 ms plus a round trip so a cut
/// is seen before the next. Loss is counted over at least <see cref="MinPacketsPerReport"/> packets, so one lost
/// packet in a short feedback is not read as heavy loss.
/// </summary>
internal sealed class LossBasedControl
{
    internal const double LowLoss = 0.02;
    internal const double HighLoss = 0.10;
    internal const double IncreasePerSecond = 1.08;
    internal const int MinPacketsPerReport = 20;
    internal const long DecreaseIntervalMicros = 300_000;
    internal const double DeliveredShare = 0.85;

    private readonly long _min;
    private readonly long _max;
    private int _lost;
    private int _expected;
    private long _lastUpdate = long.MinValue;
    private long _lastDecrease = long.MinValue;

    /// <summary>When loss last cut the rate (µs), or <see cref="long.MinValue"/> if it never did.</summary>
    internal long LastDecrease => _lastDecrease;

    internal LossBasedControl(long initial, long min, long max)
    {
        _min = min;
        _max = max;
        Rate = Math.Clamp(initial, min, max);
    }

    internal long Rate { get; private set; }

    /// <summary>The last loss fraction acted on, 0..1.</summary>
    internal double LastLossFraction { get; private set; }

    /// <summary>Counts packets newly reported lost or received; acts once enough have been seen.</summary>
    internal void OnPacketResults(int lost, int expected, long nowMicros, long rttMicros, long ceiling = long.MaxValue, long delivered = 0)
    {
        _lost += lost;
        _expected += expected;
        if (_expected < MinPacketsPerReport)
        {
            return;
        }

        double fraction = (double)_lost / _expected;
        _lost = 0;
        _expected = 0;
        OnLossFraction(fraction, nowMicros, rttMicros, ceiling, delivered);
    }

    /// <summary>
    /// Acts on a loss fraction (0..1) measured over a report interval. Without loss the rate grows, but not past
    /// <paramref name="ceiling"/> (what the sender is seen to use, with room to grow): a sender using a fraction of
    /// its estimate learns nothing about the path, and an estimate grown on no evidence overshoots it. Nor does it
    /// stay below <see cref="DeliveredShare"/> of <paramref name="delivered"/> (what the receiver acknowledges
    /// receiving): a path that delivers that rate with under 2 % loss carries about it, however deep an earlier cut
    /// went (a cut at a thin link's start, under the initial guess's overshoot, otherwise took many seconds to grow
    /// back, with video paused meanwhile). A share, not all of it: a rate measured over short windows of arrival
    /// reads above the link now and then (598 kbit/s acknowledged through a 550 kbit/s relay).
    /// </summary>
    internal void OnLossFraction(double fraction, long nowMicros, long rttMicros, long ceiling = long.MaxValue, long delivered = 0)
    {
        fraction = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
        LastLossFraction = fraction;
        double elapsed = _lastUpdate == long.MinValue ? 0 : Math.Clamp((nowMicros - _lastUpdate) / 1e6, 0, 1);
        _lastUpdate = nowMicros;
        if (fraction < LowLoss)
        {
            double grown = Math.Max((Rate * Math.Pow(IncreasePerSecond, elapsed)) + (1000 * elapsed), DeliveredShare * delivered);
            Rate = Math.Clamp((long)Math.Min(grown, Math.Max(Rate, ceiling)), _min, _max);
        }
        else if (fraction > HighLoss
            && (_lastDecrease == long.MinValue || nowMicros - _lastDecrease >= DecreaseIntervalMicros + rttMicros))
        {
            Rate = Math.Clamp((long)(Rate * (1 - (0.5 * fraction))), _min, _max);
            _lastDecrease = nowMicros;
        }
    }

    /// <summary>Keeps the rate at or below <paramref name="limit"/>, so a later cut starts from what is really sent.</summary>
    internal void Cap(long limit) => Rate = Math.Clamp(Math.Min(Rate, limit), _min, _max);

    /// <summary>Raises the rate to at least <paramref name="bitrate"/> (a successful probe).</summary>
    internal void Raise(long bitrate) => Rate = Math.Clamp(Math.Max(Rate, bitrate), _min, _max);
}
