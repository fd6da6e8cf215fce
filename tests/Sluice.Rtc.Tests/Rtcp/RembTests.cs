using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>draft-alvestrand-rmcat-remb §2.2 REMB.</summary>
public class RembTests
{
    // The packet libwebrtc (Chrome's RTCP stack) builds for 522022 bps and three SSRCs, per the draft's layout.
    internal static readonly byte[] ChromeRemb =
    [
        0x8F, 0xCE, 0x00, 0x07, // V=2 P=0 FMT=15 (AFB) | PT=206 PSFB | length 7 (32 bytes)
        0x12, 0x34, 0x56, 0x78, // SSRC of packet sender
        0x00, 0x00, 0x00, 0x00, // SSRC of media source: 0
        0x52, 0x45, 0x4D, 0x42, // "REMB"
        0x03, 0x07, 0xFB, 0x93, // Num SSRC 3 | BR Exp 1 | BR Mantissa 0x3FB93 → 0x3FB93 × 2 = 522022 bps
        0x23, 0x45, 0x67, 0x89, // SSRC feedback 1
        0x23, 0x45, 0x67, 0x8A, // SSRC feedback 2
        0x23, 0x45, 0x67, 0x8B, // SSRC feedback 3
    ];

    [Fact]
    public void ParsesAndWritesBack()
    {
        var reader = new RtcpCompoundReader(ChromeRemb);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(Remb.TryParse(packet, out Remb remb));
        Assert.Equal(0x12345678u, remb.SenderSsrc);
        Assert.Equal(522022UL, remb.Bitrate);
        Assert.Equal(3, remb.SsrcCount);
        Assert.Equal(0x23456789u, remb.GetSsrc(0));
        Assert.Equal(0x2345678Au, remb.GetSsrc(1));
        Assert.Equal(0x2345678Bu, remb.GetSsrc(2));

        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WriteRemb(0x12345678, 522022, [0x23456789, 0x2345678A, 0x2345678B]);
        Assert.Equal(ChromeRemb, writer.Written.ToArray());
    }

    [Theory]
    [InlineData(0UL, 0, 0)]
    [InlineData(0x3FFFFUL, 0, 0x3FFFF)]
    [InlineData(0x40000UL, 1, 0x20000)]
    [InlineData(2_500_000UL, 4, 156250)]
    public void Bitrate_SplitsIntoExponentAndMantissa(ulong bitrate, int exponent, int mantissa) =>
        Assert.Equal((exponent, mantissa), Remb.Encode(bitrate));

    [Fact]
    public void BitrateOverflowing64Bits_IsRejected()
    {
        byte[] packet = (byte[])ChromeRemb.Clone();
        packet[17] = 0xFF; // exponent 63 with a non-zero mantissa
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.False(Remb.TryParse(view, out _));
    }

    [Fact]
    public void OtherApplicationLayerFeedback_IsNotRemb()
    {
        byte[] packet = (byte[])ChromeRemb.Clone();
        packet[15] = (byte)'X';
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.False(Remb.TryParse(view, out _));
    }
}
