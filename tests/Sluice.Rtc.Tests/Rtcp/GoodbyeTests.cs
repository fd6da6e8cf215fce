using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>RFC 3550 §6.6 BYE.</summary>
public class GoodbyeTests
{
    internal static readonly byte[] WithReason =
    [
        0x82, 0xCB, 0x00, 0x04, // V=2 P=0 SC=2 | PT=203 BYE | length 4 (20 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC 1
        0x55, 0x66, 0x77, 0x88, // SSRC 2
        0x04, 0x64, 0x6F, 0x6E, // reason length 4 | "don"
        0x65, 0x00, 0x00, 0x00, // "e" | padding to 32 bits
    ];

    [Fact]
    public void WithReason_ParsesAndWritesBack()
    {
        var reader = new RtcpCompoundReader(WithReason);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(Goodbye.TryParse(packet, out Goodbye bye));
        Assert.Equal(2, bye.SourceCount);
        Assert.Equal(0x11223344u, bye.GetSsrc(0));
        Assert.Equal(0x55667788u, bye.GetSsrc(1));
        Assert.True(bye.HasReason);
        Assert.Equal("done"u8.ToArray(), bye.Reason.ToArray());

        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WriteBye([0x11223344, 0x55667788], "done"u8);
        Assert.Equal(WithReason, writer.Written.ToArray());
    }

    [Fact]
    public void WithoutReason_ParsesAndWritesBack()
    {
        byte[] expected =
        [
            0x81, 0xCB, 0x00, 0x01, // SC=1 | BYE | length 1 (8 bytes)
            0x11, 0x22, 0x33, 0x44, // SSRC
        ];
        var buffer = new byte[64];
        int length = Goodbye.Write(buffer, [0x11223344]);
        Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());

        var reader = new RtcpCompoundReader(expected);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(Goodbye.TryParse(packet, out Goodbye bye));
        Assert.False(bye.HasReason);
        Assert.Equal(1, bye.SourceCount);
    }

    [Fact]
    public void ReasonPastTheEnd_IsRejected()
    {
        byte[] packet = (byte[])WithReason.Clone();
        packet[12] = 8; // reason claims 8 bytes, only 7 follow
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.False(Goodbye.TryParse(view, out _));
    }
}
