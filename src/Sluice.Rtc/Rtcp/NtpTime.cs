namespace Sluice.Rtc.Rtcp;

/// <summary>
/// 64-bit NTP timestamps (RFC 5905 §6: seconds since 1900-01-01 UTC in the high word, fraction in the low word)
/// as used by SR (RFC 3550 §4), and the 32-bit "compact" form (middle bits) used by LSR and DLSR (§6.4.1).
/// </summary>
public static class NtpTime
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    private static readonly long EpochTicks = new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>Converts a UTC time; seconds wrap modulo 2^32 (NTP era 1 starts in 2036).</summary>
    public static ulong FromDateTime(DateTime utc)
    {
        long ticks = utc.ToUniversalTime().Ticks - EpochTicks;
        ArgumentOutOfRangeException.ThrowIfNegative(ticks, nameof(utc));
        ulong seconds = (ulong)(ticks / TicksPerSecond);
        ulong fraction = ((ulong)(ticks % TicksPerSecond) << 32) / TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    /// <summary>Converts a time with offset.</summary>
    public static ulong FromDateTimeOffset(DateTimeOffset time) => FromDateTime(time.UtcDateTime);

    /// <summary>The current NTP time from <paramref name="timeProvider"/>.</summary>
    public static ulong Now(TimeProvider timeProvider) => FromDateTimeOffset(timeProvider.GetUtcNow());

    /// <summary>
    /// Converts back to UTC. Per RFC 4330 §3, a clear top bit of the seconds means era 1 (from 2036-02-07),
    /// so the result spans 1968..2104.
    /// </summary>
    public static DateTime ToDateTime(ulong ntp)
    {
        ulong seconds = ntp >> 32;
        if ((seconds & 0x8000_0000) == 0)
        {
            seconds += 1UL << 32;
        }

        long fractionTicks = (long)(((ntp & 0xFFFF_FFFF) * TicksPerSecond) >> 32);
        return new DateTime(EpochTicks + ((long)seconds * TicksPerSecond) + fractionTicks, DateTimeKind.Utc);
    }

    /// <summary>The middle 32 bits, as carried in LSR (RFC 3550 §6.4.1).</summary>
    public static uint ToCompact(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>A duration in compact NTP units (1/65536 s), as carried in DLSR; saturates at the field's range.</summary>
    public static uint ToCompact(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return 0;
        }

        if (duration.Ticks >= 65536 * TicksPerSecond)
        {
            return uint.MaxValue;
        }

        return (uint)(((ulong)duration.Ticks << 16) / TicksPerSecond);
    }

    /// <summary>A compact NTP duration (1/65536 s) as a <see cref="TimeSpan"/>.</summary>
    public static TimeSpan FromCompact(uint compact) => TimeSpan.FromTicks((long)(((ulong)compact * TicksPerSecond) >> 16));

    /// <summary>
    /// Round-trip time from a report block (RFC 3550 §6.4.1): arrival time A minus LSR minus DLSR, all compact;
    /// zero when LSR is 0 (no SR received yet) or the result would be negative.
    /// </summary>
    public static TimeSpan RoundTripTime(uint arrivalCompact, uint lastSenderReport, uint delaySinceLastSenderReport)
    {
        if (lastSenderReport == 0)
        {
            return TimeSpan.Zero;
        }

        int rtt = (int)(arrivalCompact - lastSenderReport - delaySinceLastSenderReport);
        return rtt <= 0 ? TimeSpan.Zero : FromCompact((uint)rtt);
    }
}
