namespace Sluice.Rtc;

/// <summary>Monotonic time in microseconds from a <see cref="TimeProvider"/>, without the overflow of <c>ticks × 10⁶</c> (nanosecond clocks).</summary>
public static class Microseconds
{
    /// <summary>Now, in microseconds on the provider's timestamp scale.</summary>
    public static long Now(TimeProvider time) => FromTimestamp(time.GetTimestamp(), time.TimestampFrequency);

    /// <summary>A timestamp of frequency <paramref name="frequency"/> in microseconds.</summary>
    public static long FromTimestamp(long timestamp, long frequency) =>
        (timestamp / frequency * 1_000_000) + (timestamp % frequency * 1_000_000 / frequency);
}
