namespace Sluice.Rtc.Congestion;

/// <summary>
/// The delay-based rate (draft-ietf-rmcat-gcc-02 §5.5): increase while the path is Normal, hold while a queue
/// drains (Underusing), decrease to 0.85 × the acknowledged bitrate on Overusing. The increase is multiplicative
/// (8 % a second) while the link capacity is unknown or has moved, additive (about one packet per response
/// time) near the capacity seen at the last decreases; either way it stays below 1.5 × acknowledged + 10 kbit/s,
/// so the estimate cannot run far ahead of what the sender actually sends.
/// </summary>
internal sealed class AimdRateControl
{
    internal const double Beta = 0.85;
    internal const double MultiplicativeIncreasePerSecond = 1.08;
    internal const double AckedCapFactor = 1.5;
    internal const long AckedCapMargin = 10_000;
    internal const long MinAdditiveIncreasePerSecond = 4_000;
    internal const long ResponseTimeExtraMicros = 100_000;
    internal const int PacketBytes = 1200;
    internal const double FramesPerSecond = 30;

    private readonly long _min;
    private readonly long _max;
    private State _state = State.Hold;
    private long _lastChange = long.MinValue;
    private long _lastDecrease = long.MinValue;

    // Link capacity: exponential average (kbit/s) of the acknowledged bitrate at decreases, and its variance
    // normalised by the average, as in gcc-02 §5.5's "near convergence" test.
    private double _capacityKbps = -1;
    private double _capacityVariance = 0.4;

    internal AimdRateControl(long initial, long min, long max)
    {
        _min = min;
        _max = max;
        Rate = Math.Clamp(initial, min, max);
    }

    private enum State
    {
        Hold,
        Increase,
        Decrease,
    }

    internal long Rate { get; private set; }

    internal bool NearCapacity => _capacityKbps >= 0;

    /// <summary>Sets the rate from a probe result; the next increase starts from there.</summary>
    internal void SetRate(long bitrate, long nowMicros)
    {
        Rate = Math.Clamp(bitrate, _min, _max);
        _lastChange = nowMicros;
    }

    /// <summary>Applies the detector's state; <paramref name="acked"/> is 0 when unknown.</summary>
    internal long Update(BandwidthUsage usage, long acked, long nowMicros, long rttMicros)
    {
        if (_lastChange == long.MinValue)
        {
            _lastChange = nowMicros;
        }

        switch (usage)
        {
            case BandwidthUsage.Overusing:
                _state = State.Decrease;
                break;
            case BandwidthUsage.Underusing:
                _state = State.Hold;
                break;
            default:
                if (_state == State.Hold)
                {
                    _state = State.Increase;
                    _lastChange = nowMicros;
                }

                break;
        }

        if (_state == State.Increase)
        {
            Increase(acked, nowMicros, rttMicros);
        }
        else if (_state == State.Decrease)
        {
            if (CanDecrease(acked, nowMicros, rttMicros))
            {
                Decrease(acked, nowMicros);
            }

            _state = State.Hold;
        }
        else
        {
            _lastChange = nowMicros;
        }

        return Rate;
    }

    private void Increase(long acked, long nowMicros, long rttMicros)
    {
        double elapsed = Math.Clamp((nowMicros - _lastChange) / 1e6, 0, 1);
        if (acked > 0 && _capacityKbps >= 0 && acked / 1000.0 > _capacityKbps + (3 * CapacityDeviationKbps()))
        {
            // Sending well above the capacity we converged on: the path changed, search multiplicatively again.
            _capacityKbps = -1;
        }

        double increase;
        if (_capacityKbps >= 0)
        {
            double responseSeconds = (rttMicros + ResponseTimeExtraMicros) / 1e6;
            double bitsPerFrame = Rate / FramesPerSecond;
            double packetsPerFrame = Math.Ceiling(bitsPerFrame / (PacketBytes * 8));
            double packetBits = bitsPerFrame / packetsPerFrame;
            increase = Math.Max(MinAdditiveIncreasePerSecond, packetBits / responseSeconds) * elapsed;
        }
        else
        {
            increase = Math.Max(Rate * (Math.Pow(MultiplicativeIncreasePerSecond, elapsed) - 1), 1000 * elapsed);
        }

        long next = Rate + (long)increase;
        if (acked > 0)
        {
            long cap = (long)(AckedCapFactor * acked) + AckedCapMargin;
            next = Math.Min(next, Math.Max(Rate, cap));
        }

        Rate = Math.Clamp(next, _min, _max);
        _lastChange = nowMicros;
    }

    private bool CanDecrease(long acked, long nowMicros, long rttMicros)
    {
        // One decrease per round trip lets the previous one take effect; a collapse (half the rate) acts at once.
        long wait = Math.Clamp(rttMicros, 10_000, 200_000);
        return _lastDecrease == long.MinValue || nowMicros - _lastDecrease >= wait || (acked > 0 && acked < Rate / 2);
    }

    private void Decrease(long acked, long nowMicros)
    {
        long next = acked > 0 ? (long)(Beta * acked) : (long)(Beta * Rate);
        if (acked > 0)
        {
            UpdateCapacity(acked / 1000.0);
        }

        Rate = Math.Clamp(Math.Min(next, Rate), _min, _max);
        _lastChange = nowMicros;
        _lastDecrease = nowMicros;
    }

    private void UpdateCapacity(double sampleKbps)
    {
        if (_capacityKbps >= 0 && sampleKbps > _capacityKbps + (3 * CapacityDeviationKbps()))
        {
            _capacityKbps = -1;
        }

        _capacityKbps = _capacityKbps < 0 ? sampleKbps : (0.95 * _capacityKbps) + (0.05 * sampleKbps);
        double error = _capacityKbps - sampleKbps;
        _capacityVariance = Math.Clamp((0.95 * _capacityVariance) + (0.05 * error * error / Math.Max(_capacityKbps, 1)), 0.4, 2.5);
    }

    private double CapacityDeviationKbps() => Math.Sqrt(_capacityVariance * Math.Max(_capacityKbps, 1));
}
