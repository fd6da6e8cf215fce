using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>RFC 5761 §4: RTP and RTCP on one port.</summary>
public class RtpDemuxTests
{
    [Theory]
    [InlineData(200, true)]   // SR
    [InlineData(201, true)]   // RR
    [InlineData(206, true)]   // PSFB
    [InlineData(192, true)]   // lowest of the reserved range
    [InlineData(223, true)]   // highest
    [InlineData(96, false)]   // PT 96
    [InlineData(0xE0, false)] // marker + PT 96 = 224
    [InlineData(0xEF, false)] // marker + PT 111
    [InlineData(0x80, false)] // marker + PT 0
    public void SecondByteDecides(byte second, bool isRtcp) => Assert.Equal(isRtcp, RtpDemux.IsRtcp([0x80, second, 0, 1]));

    [Fact]
    public void ShortDatagramIsNotRtcp() => Assert.False(RtpDemux.IsRtcp([0x80]));
}
