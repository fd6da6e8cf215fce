namespace Sluice.Client.Media;

/// <summary>
/// The timing arithmetic of publishing files: container timestamps to RTP clock units (RFC 3551 §4.1: 90 kHz
/// video, 48 kHz Opus per RFC 7587 §4.1), and the shared wall clock that paces every track.
/// </summary>
internal static class MediaTimestamps
{
    public const int VideoClockRate = 90000;
    public const int OpusClockRate = 48000;

    /// <summary>An IVF timestamp counts units of numerator/denominator seconds; rounded to the nearest 90 kHz tick.</summary>
    public static long IvfToRtp(long ivfTimestamp, int timebaseNumerator, int timebaseDenominator)
    {
        if (timebaseNumerator <= 0 || timebaseDenominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timebaseDenominator), "An IVF timebase needs a positive numerator and denominator.");
        }

        var scaled = (Int128)ivfTimestamp * VideoClockRate * timebaseNumerator;
        return (long)((scaled + (timebaseDenominator / 2)) / timebaseDenominator);
    }

    /// <summary>
    /// The timestamp of frame <paramref name="frameIndex"/> of a raw H264 stream at <paramref name="fps"/>:
    /// computed from the index, not summed, so 29.97 fps does not drift.
    /// </summary>
    public static long H264FrameTimestamp(long frameIndex, double fps)
    {
        if (!(fps > 0) || double.IsInfinity(fps))
        {
            throw new ArgumentOutOfRangeException(nameof(fps), "The frame rate must be positive.");
        }

        return (long)Math.Round(frameIndex * VideoClockRate / fps);
    }

    /// <summary>When a frame at <paramref name="timestamp"/> (clock units since the start) is due on the shared clock.</summary>
    public static TimeSpan DueTime(long timestamp, int clockRate) =>
        TimeSpan.FromTicks((long)((Int128)timestamp * TimeSpan.TicksPerSecond / clockRate));

    /// <summary>
    /// The RTP timestamp of wall time <paramref name="elapsed"/> since the start, for sender reports: the same mapping
    /// the frames were paced by, so SR and media agree (RFC 3550 §6.4.1).
    /// </summary>
    public static uint RtpTimestampAt(uint initialTimestamp, TimeSpan elapsed, int clockRate) =>
        unchecked(initialTimestamp + (uint)(long)((Int128)elapsed.Ticks * clockRate / TimeSpan.TicksPerSecond));

    /// <summary>The RTP timestamp of a frame: the random initial value plus the media time, modulo 2^32 (RFC 3550 §5.1).</summary>
    public static uint RtpTimestamp(uint initialTimestamp, long timestamp) => unchecked(initialTimestamp + (uint)timestamp);
}
