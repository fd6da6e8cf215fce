namespace Sluice.Rtc.Congestion;

/// <summary>
/// Compares the delay trend with an adaptive threshold (draft-ietf-rmcat-gcc-02 §5.4, §5.5). The threshold
/// follows the trend slowly down (k_d) and faster up (k_u), so it tolerates the noise of a path and still
/// reacts to a queue that grows; it stays within [6, 600] ms.
/// </summary>
internal sealed class OveruseDetector
{
    /// <summary>The slope is scaled by the number of deltas (up to this) and <see cref="TrendGain"/> before comparing.</summary>
    internal const int MaxDeltas = 60;
    internal const double TrendGain = 4;
    internal const double InitialThresholdMs = 12.5;
    internal const double MinThresholdMs = 6;
    internal const double MaxThresholdMs = 600;
    internal const double UpGain = 0.01;      // k_u
    internal const double DownGain = 0.00018; // k_d

    /// <summary>Overuse is signalled only after the trend stays above the threshold this long.</summary>
    internal const double OveruseTimeMs = 10;

    /// <summary>A trend this far above the threshold is an outlier (a spike), not a reason to move the threshold.</summary>
    internal const double MaxAdaptOffsetMs = 15;

    private double _timeOverusing = -1;
    private int _overuseCount;
    private double _previousTrend;
    private long _lastUpdate = long.MinValue;

    internal double ThresholdMs { get; private set; } = InitialThresholdMs;

    internal BandwidthUsage State { get; private set; } = BandwidthUsage.Normal;

    internal void Reset()
    {
        _timeOverusing = -1;
        _overuseCount = 0;
        _previousTrend = 0;
        _lastUpdate = long.MinValue;
        ThresholdMs = InitialThresholdMs;
        State = BandwidthUsage.Normal;
    }

    /// <summary>Updates the hypothesis with a new slope; <paramref name="groupDeltaMicros"/> is the send delta of the group.</summary>
    internal BandwidthUsage Detect(double slope, long groupDeltaMicros, int deltaCount, long arrivalMicros)
    {
        if (deltaCount < 2)
        {
            return State;
        }

        double trend = Math.Min(deltaCount, MaxDeltas) * slope * TrendGain;
        if (trend > ThresholdMs)
        {
            double groupDeltaMs = groupDeltaMicros / 1000.0;
            _timeOverusing = _timeOverusing < 0 ? groupDeltaMs / 2 : _timeOverusing + groupDeltaMs;
            _overuseCount++;
            if (_timeOverusing > OveruseTimeMs && _overuseCount > 1 && slope >= _previousTrend)
            {
                _timeOverusing = 0;
                _overuseCount = 0;
                State = BandwidthUsage.Overusing;
            }
        }
        else if (trend < -ThresholdMs)
        {
            _timeOverusing = -1;
            _overuseCount = 0;
            State = BandwidthUsage.Underusing;
        }
        else
        {
            _timeOverusing = -1;
            _overuseCount = 0;
            State = BandwidthUsage.Normal;
        }

        _previousTrend = slope;
        AdaptThreshold(trend, arrivalMicros);
        return State;
    }

    private void AdaptThreshold(double trend, long nowMicros)
    {
        if (_lastUpdate == long.MinValue)
        {
            _lastUpdate = nowMicros;
        }

        double magnitude = Math.Abs(trend);
        if (magnitude > ThresholdMs + MaxAdaptOffsetMs)
        {
            _lastUpdate = nowMicros;
            return;
        }

        double gain = magnitude < ThresholdMs ? DownGain : UpGain;
        double elapsedMs = Math.Clamp((nowMicros - _lastUpdate) / 1000.0, 0, 100);
        ThresholdMs = Math.Clamp(ThresholdMs + (gain * (magnitude - ThresholdMs) * elapsedMs), MinThresholdMs, MaxThresholdMs);
        _lastUpdate = nowMicros;
    }
}
