using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>RFC 5905 §6 NTP timestamps and the RFC 3550 §6.4.1 compact form (LSR, DLSR, RTT).</summary>
public class NtpTimeTests
{
    [Fact]
    public void DateTime_ConvertsToNtpAndBack()
    {
        var time = new DateTime(2024, 1, 1, 0, 0, 0, 500, DateTimeKind.Utc);
        ulong ntp = NtpTime.FromDateTime(time);
        Assert.Equal(0xE93C7F0080000000UL, ntp); // 3913056000 s since 1900, fraction 0.5
        Assert.Equal(0x7F008000u, NtpTime.ToCompact(ntp));
        Assert.Equal(time, NtpTime.ToDateTime(ntp));
    }

    [Fact]
    public void Era1_AfterFebruary2036()
    {
        var time = new DateTime(2040, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        ulong ntp = NtpTime.FromDateTime(time);
        Assert.True(ntp >> 32 < 0x8000_0000);
        Assert.Equal(time, NtpTime.ToDateTime(ntp));
    }

    [Fact]
    public void TimeProvider_IsUsed()
    {
        var provider = new FixedTimeProvider(new DateTimeOffset(2024, 1, 1, 1, 0, 0, 500, TimeSpan.FromHours(1)));
        Assert.Equal(0xE93C7F0080000000UL, NtpTime.Now(provider));
    }

    [Fact]
    public void CompactDurations_AndRoundTripTime()
    {
        Assert.Equal(0x00010000u, NtpTime.ToCompact(TimeSpan.FromSeconds(1)));
        Assert.Equal(0x00008000u, NtpTime.ToCompact(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(0u, NtpTime.ToCompact(TimeSpan.FromSeconds(-1)));
        Assert.Equal(uint.MaxValue, NtpTime.ToCompact(TimeSpan.FromDays(2)));
        Assert.Equal(TimeSpan.FromMilliseconds(250), NtpTime.FromCompact(0x4000));

        // RFC 3550 §6.4.1's example: A=0xb710:8000 (46864.500 s), DLSR=0x0005:4000 (5.250 s), LSR=0xb705:2000 (46853.125 s).
        Assert.Equal(TimeSpan.FromMilliseconds(6125), NtpTime.RoundTripTime(0xB7108000, 0xB7052000, 0x00054000));
        Assert.Equal(TimeSpan.Zero, NtpTime.RoundTripTime(0xB7108000, 0, 0x00054000));
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
