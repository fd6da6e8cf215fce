using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>RFC 3550 §6.1 compound packets: SR (§6.4.1) + RR (§6.4.2) + SDES (§6.5).</summary>
public class RtcpCompoundTests
{
    internal static readonly byte[] SenderReportBytes =
    [
        0x81, 0xC8, 0x00, 0x0C, // V=2 P=0 RC=1 | PT=200 SR | length 12 (52 bytes)
        0x11, 0x22, 0x33, 0x44, // sender SSRC
        0xE9, 0x3C, 0x7F, 0x00, // NTP seconds: 2024-01-01T00:00:00Z
        0x80, 0x00, 0x00, 0x00, // NTP fraction: 0.5 s
        0x00, 0x01, 0x5F, 0x90, // RTP timestamp 90000
        0x00, 0x00, 0x03, 0xE8, // sender's packet count 1000
        0x00, 0x0F, 0x42, 0x40, // sender's octet count 1000000
        0x55, 0x66, 0x77, 0x88, // report block: SSRC
        0x19, 0x00, 0x00, 0x2A, // fraction lost 25/256 | cumulative lost 42
        0x00, 0x01, 0x00, 0x05, // extended highest sequence number: cycle 1, seq 5
        0x00, 0x00, 0x00, 0x10, // jitter 16
        0x7F, 0x00, 0x80, 0x00, // LSR
        0x00, 0x01, 0x00, 0x00, // DLSR: 1 s in 1/65536 s
    ];

    internal static readonly byte[] ReceiverReportBytes =
    [
        0x81, 0xC9, 0x00, 0x07, // V=2 P=0 RC=1 | PT=201 RR | length 7 (32 bytes)
        0x55, 0x66, 0x77, 0x88, // reporter SSRC
        0x11, 0x22, 0x33, 0x44, // report block: SSRC
        0x00, 0xFF, 0xFF, 0xFF, // fraction lost 0 | cumulative lost -1 (duplicates outnumber losses)
        0x00, 0x00, 0xFF, 0xFF, // extended highest sequence number 65535
        0x00, 0x00, 0x00, 0x00, // jitter
        0x00, 0x00, 0x00, 0x00, // LSR: no SR yet
        0x00, 0x00, 0x00, 0x00, // DLSR
    ];

    internal static readonly byte[] SdesBytes =
    [
        0x81, 0xCA, 0x00, 0x04, // V=2 P=0 SC=1 | PT=202 SDES | length 4 (20 bytes)
        0x11, 0x22, 0x33, 0x44, // chunk SSRC
        0x01, 0x06,             // CNAME, 6 bytes
        0x73, 0x6C, 0x75, 0x69, 0x63, 0x65, // "sluice"
        0x00, 0x00, 0x00, 0x00, // end of items + padding to 32 bits
    ];

    internal static byte[] Compound() => [.. SenderReportBytes, .. ReceiverReportBytes, .. SdesBytes];

    [Fact]
    public void Compound_ReadsEveryPacket()
    {
        var reader = new RtcpCompoundReader(Compound());

        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.Equal(RtcpPacketType.SenderReport, packet.Type);
        Assert.Equal(1, packet.CountOrFormat);
        Assert.False(packet.Padding);
        Assert.Equal(52, packet.Packet.Length);
        Assert.Equal(48, packet.Body.Length);
        Assert.Equal(0x11223344u, packet.SenderSsrc);
        Assert.True(SenderReport.TryParse(packet, out SenderReport sr));
        Assert.Equal(0x11223344u, sr.SenderSsrc);
        Assert.Equal(0xE93C7F0080000000UL, sr.NtpTimestamp);
        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, 500, DateTimeKind.Utc), NtpTime.ToDateTime(sr.NtpTimestamp));
        Assert.Equal(90000u, sr.RtpTimestamp);
        Assert.Equal(1000u, sr.PacketCount);
        Assert.Equal(1000000u, sr.OctetCount);
        Assert.Equal(1, sr.ReportCount);
        ReportBlockEnumerator blocks = sr.GetReportBlocks();
        Assert.True(blocks.MoveNext());
        Assert.Equal(new ReportBlock(0x55667788, 25, 42, 0x00010005, 16, 0x7F008000, 0x00010000), blocks.Current);
        Assert.False(blocks.MoveNext());

        Assert.True(reader.TryReadNext(out packet));
        Assert.Equal(RtcpPacketType.ReceiverReport, packet.Type);
        Assert.False(SenderReport.TryParse(packet, out _));
        Assert.True(ReceiverReport.TryParse(packet, out ReceiverReport rr));
        Assert.Equal(0x55667788u, rr.SenderSsrc);
        int count = 0;
        foreach (ReportBlock block in rr.GetReportBlocks())
        {
            Assert.Equal(new ReportBlock(0x11223344, 0, -1, 65535, 0, 0, 0), block);
            count++;
        }

        Assert.Equal(1, count);

        Assert.True(reader.TryReadNext(out packet));
        Assert.Equal(RtcpPacketType.SourceDescription, packet.Type);
        Assert.True(SourceDescription.TryGetCname(packet, out uint ssrc, out ReadOnlySpan<byte> cname));
        Assert.Equal(0x11223344u, ssrc);
        Assert.Equal("sluice"u8.ToArray(), cname.ToArray());

        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
    }

    [Fact]
    public void Compound_WritesTheSameBytes()
    {
        var buffer = new byte[1500];
        var writer = new RtcpWriter(buffer);
        writer.WriteSenderReport(0x11223344, 0xE93C7F0080000000, 90000, 1000, 1000000, [new ReportBlock(0x55667788, 25, 42, 0x00010005, 16, 0x7F008000, 0x00010000)]);
        writer.WriteReceiverReport(0x55667788, [new ReportBlock(0x11223344, 0, -1, 65535, 0, 0, 0)]);
        writer.WriteSdesCname(0x11223344, "sluice");
        Assert.Equal(Compound(), writer.Written.ToArray());
        Assert.Equal(104, writer.Length);
    }

    [Fact]
    public void Sdes_ReadsSeveralChunksAndItems()
    {
        byte[] packet =
        [
            0x82, 0xCA, 0x00, 0x07, // SC=2 | SDES | length 7 (32 bytes)
            0x00, 0x00, 0x00, 0x01, // chunk 1 SSRC
            0x01, 0x01, 0x61,       // CNAME "a"
            0x06, 0x02, 0x74, 0x74, // TOOL "tt"
            0x00,                   // end (already on a boundary)
            0x00, 0x00, 0x00, 0x02, // chunk 2 SSRC
            0x01, 0x03, 0x62, 0x63, 0x64, // CNAME "bcd"
            0x00, 0x00, 0x00,       // end + padding
            0x00, 0x00, 0x00, 0x00, // extra null word is tolerated
        ];
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.True(SourceDescription.TryParse(view, out SourceDescription sdes));
        Assert.Equal(2, sdes.ChunkCount);

        Assert.True(sdes.TryReadNext(out SdesItem item));
        Assert.Equal((1u, SdesItemType.Cname), (item.Ssrc, item.Type));
        Assert.Equal("a"u8.ToArray(), item.Text.ToArray());
        Assert.True(sdes.TryReadNext(out item));
        Assert.Equal((1u, SdesItemType.Tool), (item.Ssrc, item.Type));
        Assert.Equal("tt"u8.ToArray(), item.Text.ToArray());
        Assert.True(sdes.TryReadNext(out item));
        Assert.Equal((2u, SdesItemType.Cname), (item.Ssrc, item.Type));
        Assert.Equal("bcd"u8.ToArray(), item.Text.ToArray());
        Assert.False(sdes.TryReadNext(out _));
        Assert.False(sdes.IsMalformed);
    }

    [Fact]
    public void PaddingBit_IsExcludedFromTheBody()
    {
        byte[] packet =
        [
            0xA0, 0xC9, 0x00, 0x02, // V=2 P=1 RC=0 | RR | length 2 (12 bytes)
            0x55, 0x66, 0x77, 0x88, // reporter SSRC
            0x00, 0x00, 0x00, 0x04, // 4 bytes of padding
        ];
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.True(view.Padding);
        Assert.Equal(4, view.Body.Length);
        Assert.Equal(12, view.Packet.Length);
        Assert.True(ReceiverReport.TryParse(view, out ReceiverReport rr));
        Assert.Equal(0, rr.ReportCount);
    }

    [Fact]
    public void TruncatedCompound_StopsAndFlagsMalformed()
    {
        byte[] compound = Compound();
        var reader = new RtcpCompoundReader(compound.AsSpan(0, compound.Length - 1));
        Assert.True(reader.TryReadNext(out _));
        Assert.True(reader.TryReadNext(out _));
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsMalformed);
        Assert.False(reader.TryReadNext(out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 1 })] // version 1
    [InlineData(new byte[] { 0x80, 0xC9, 0x00, 0x02, 0, 0, 0, 1 })] // length beyond the datagram
    [InlineData(new byte[] { 0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 0 })] // padding count 0
    [InlineData(new byte[] { 0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 5 })] // padding longer than the body
    [InlineData(new byte[] { 0x80, 0xC9, 0x00 })]                   // 3 bytes
    public void Malformed_IsRejected(byte[] datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsMalformed);
    }

    [Fact]
    public void ReportBlock_ClampsCumulativeLostTo24Bits()
    {
        var buffer = new byte[ReportBlock.Length];
        new ReportBlock(1, 0, int.MinValue, 0, 0, 0, 0).WriteTo(buffer);
        Assert.True(ReportBlock.TryRead(buffer, out ReportBlock block));
        Assert.Equal(ReportBlock.MinCumulativeLost, block.CumulativeLost);
        new ReportBlock(1, 0, int.MaxValue, 0, 0, 0, 0).WriteTo(buffer);
        Assert.True(ReportBlock.TryRead(buffer, out block));
        Assert.Equal(ReportBlock.MaxCumulativeLost, block.CumulativeLost);
    }
}
