using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>RFC 5104 §4.3.1 FIR.</summary>
public class FullIntraRequestTests
{
    internal static readonly byte[] TwoEntries =
    [
        0x84, 0xCE, 0x00, 0x06, // V=2 P=0 FMT=4 | PT=206 PSFB | length 6 (28 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC of packet sender
        0x00, 0x00, 0x00, 0x00, // SSRC of media source: unused, 0 (§4.3.1.2)
        0x55, 0x66, 0x77, 0x88, // entry 1: SSRC
        0x07, 0x00, 0x00, 0x00, //          seq nr 7 | reserved
        0x99, 0xAA, 0xBB, 0xCC, // entry 2: SSRC
        0x08, 0x00, 0x00, 0x00, //          seq nr 8 | reserved
    ];

    [Fact]
    public void ParsesAndWritesBack()
    {
        var reader = new RtcpCompoundReader(TwoEntries);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(FullIntraRequest.TryParse(packet, out FullIntraRequest fir));
        Assert.Equal(0x11223344u, fir.SenderSsrc);
        Assert.Equal(0u, fir.MediaSsrc);
        Assert.Equal(2, fir.EntryCount);
        Assert.Equal(new FirEntry(0x55667788, 7), fir.GetEntry(0));
        Assert.Equal(new FirEntry(0x99AABBCC, 8), fir.GetEntry(1));

        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WriteFir(0x11223344, [new FirEntry(0x55667788, 7), new FirEntry(0x99AABBCC, 8)]);
        Assert.Equal(TwoEntries, writer.Written.ToArray());
    }
}
