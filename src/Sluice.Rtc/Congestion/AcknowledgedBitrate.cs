namespace Sluice.Rtc.Congestion;

/// <summary>
/// The throughput the receiver reports: bytes of acknowledged packets per window of <see cref="WindowMicros"/>
/// of arrival time (the receiver's clock, so feedback batching does not matter), averaged exponentially over
/// windows. Idle gaps start a new window instead of counting as zero throughput.
/// </summary>
internal sealed class AcknowledgedBitrate
{
    internal const long WindowMicros = 250_000;
    internal const double SampleWeight = 0.5;

    private long _windowStart = long.MinValue;
    private long _windowBytes;

    /// <summary>The estimate in bit/s, 0 before the first full window.</summary>
    internal long Bitrate { get; private set; }

    internal void Reset()
    {
        _windowStart = long.MinValue;
        _windowBytes = 0;
    }

    internal void OnPacket(long arrivalMicros, int size)
    {
        if (_windowStart == long.MinValue)
        {
            _windowStart = arrivalMicros;
        }
        else if (arrivalMicros - _windowStart >= WindowMicros)
        {
            double sample = _windowBytes * 8 * 1e6 / WindowMicros;
            Bitrate = Bitrate == 0 ? (long)sample : (long)((SampleWeight * sample) + ((1 - SampleWeight) * Bitrate));
            _windowBytes = 0;
            _windowStart = arrivalMicros - _windowStart < 2 * WindowMicros ? _windowStart + WindowMicros : arrivalMicros;
        }

        _windowBytes += size;
    }
}
