using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>RFC 4585 §6.3.1 PLI.</summary>
public class PictureLossIndicationTests
{
    internal static readonly byte[] Pli =
    [
        0x81, 0xCE, 0x00, 0x02, // V=2 P=0 FMT=1 | PT=206 PSFB | length 2 (12 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC of packet sender
        0x55, 0x66, 0x77, 0x88, // SSRC of media source
    ];

    [Fact]
    public void ParsesAndWritesBack()
    {
        var reader = new RtcpCompoundReader(Pli);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.Equal(RtcpPacketType.PayloadSpecificFeedback, packet.Type);
        Assert.Equal((byte)PayloadFeedbackFormat.PictureLossIndication, packet.CountOrFormat);
        Assert.True(PictureLossIndication.TryParse(packet, out PictureLossIndication pli));
        Assert.Equal(0x11223344u, pli.SenderSsrc);
        Assert.Equal(0x55667788u, pli.MediaSsrc);
        Assert.False(FullIntraRequest.TryParse(packet, out _));
        Assert.False(Remb.TryParse(packet, out _));

        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WritePli(0x11223344, 0x55667788);
        Assert.Equal(Pli, writer.Written.ToArray());
    }
}
