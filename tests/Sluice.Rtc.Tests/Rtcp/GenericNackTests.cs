using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>RFC 4585 §6.2.1 Generic NACK.</summary>
public class GenericNackTests
{
    internal static readonly byte[] ThreePairs =
    [
        0x81, 0xCD, 0x00, 0x05, // V=2 P=0 FMT=1 | PT=205 RTPFB | length 5 (24 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC of packet sender
        0x55, 0x66, 0x77, 0x88, // SSRC of media source
        0x00, 0x64, 0x00, 0x11, // PID 100 | BLP 0x0011: 101 (bit 0) and 105 (bit 4)
        0x00, 0x78, 0x00, 0x00, // PID 120 | BLP 0 (120 - 100 > 16: new pair)
        0x00, 0xC8, 0x00, 0x00, // PID 200 | BLP 0
    ];

    [Fact]
    public void LostList_IsPackedIntoPidBlpPairs()
    {
        ushort[] lost = [100, 101, 105, 120, 200];
        Assert.Equal(3, GenericNack.CountPairs(lost));
        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WriteNack(0x11223344, 0x55667788, lost);
        Assert.Equal(ThreePairs, writer.Written.ToArray());
    }

    [Fact]
    public void Pairs_AreReadAndExpanded()
    {
        var reader = new RtcpCompoundReader(ThreePairs);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(GenericNack.TryParse(packet, out GenericNack nack));
        Assert.Equal(0x11223344u, nack.SenderSsrc);
        Assert.Equal(0x55667788u, nack.MediaSsrc);
        Assert.Equal(3, nack.PairCount);
        Assert.Equal(((ushort)100, (ushort)0x0011), nack.GetPair(0));
        Assert.Equal(((ushort)120, (ushort)0), nack.GetPair(1));
        Assert.Equal(((ushort)200, (ushort)0), nack.GetPair(2));

        var lost = new List<ushort>();
        foreach (ushort sequenceNumber in nack.GetLostSequenceNumbers())
        {
            lost.Add(sequenceNumber);
        }

        Assert.Equal(new ushort[] { 100, 101, 105, 120, 200 }, lost);
    }

    [Fact]
    public void PairsAcrossTheWrap_CoverTheNext16()
    {
        ushort[] lost = [65535, 0, 3, 15, 16, 17];
        var buffer = new byte[64];
        int length = GenericNack.Write(buffer, 1, 2, lost);
        byte[] expected =
        [
            0x81, 0xCD, 0x00, 0x04, // FMT=1 | RTPFB | length 4 (20 bytes)
            0x00, 0x00, 0x00, 0x01, // sender
            0x00, 0x00, 0x00, 0x02, // media source
            0xFF, 0xFF, 0x80, 0x09, // PID 65535 | 0 (bit 0), 3 (bit 3), 15 (bit 15)
            0x00, 0x10, 0x00, 0x01, // PID 16 | 17 (bit 0)
        ];
        Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());

        var reader = new RtcpCompoundReader(expected);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(GenericNack.TryParse(packet, out GenericNack nack));
        var back = new List<ushort>();
        foreach (ushort sequenceNumber in nack.GetLostSequenceNumbers())
        {
            back.Add(sequenceNumber);
        }

        Assert.Equal(lost, back);
    }

    [Fact]
    public void NackWithoutPairs_IsRejected()
    {
        byte[] packet = [0x81, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2];
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.False(GenericNack.TryParse(view, out _));
    }
}
