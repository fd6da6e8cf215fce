namespace Sluice.Rtc.Rtp;

/// <summary>
/// Extends 16-bit sequence numbers to 64 bits across wrap-arounds, in the spirit of RFC 3550
/// Appendix A.1: a number is taken as newer when it is less than half the space ahead of the last
/// one seen, else as older (reordered). Results never go below 0. The only place wrap is handled.
/// </summary>
public struct SequenceUnwrapper
{
    private long _last;
    private bool _started;

    /// <summary>The last extended value returned; -1 before the first call.</summary>
    public readonly long Last => _started ? _last : -1;

    /// <summary>Returns the extended value of <paramref name="sequenceNumber"/> and remembers it as the reference.</summary>
    public long Unwrap(ushort sequenceNumber)
    {
        if (!_started)
        {
            _started = true;
            _last = sequenceNumber;
            return _last;
        }

        long value = _last + (short)(ushort)(sequenceNumber - (ushort)_last);
        if (value < 0)
        {
            // A packet from "before" the first one, near the start: it cannot be in a negative cycle.
            value += 1 << 16;
        }

        _last = value;
        return value;
    }
}
