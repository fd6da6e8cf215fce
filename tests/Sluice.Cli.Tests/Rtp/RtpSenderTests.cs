using Sluice.Client.Rtp;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;

namespace Sluice.Cli.Tests.Rtp;

/// <summary>Sequence numbering, the send history and NACK answering (RFC 4585 §6.2.1, RFC 4588 §4), and SR (RFC 3550 §6.4.1).</summary>
public sealed class RtpSenderTests
{
    private readonly List<byte[]> _sent = [];

    private RtpSender Create(bool rtx, int history = 1024) => new(
        new RtpSenderOptions(0x1111_2222, 96, 90000)
        {
            RtxSsrc = rtx ? 0x3333_4444u : null,
            RtxPayloadType = rtx ? (byte)97 : null,
            InitialSequenceNumber = 65534,
            InitialRtxSequenceNumber = 500,
            HistorySize = history,
        },
        (buffer, length) =>
        {
            _sent.Add(buffer[..length].ToArray());

            // The transport protects in place: scribble over the buffer to prove the history keeps its own copy.
            buffer[..length].Fill(0xEE);
            return true;
        });

    [Fact]
    public void SendFrame_NumbersPackets_AndMarksTheLast()
    {
        var sender = Create(rtx: false);
        sender.SendFrame([[1, 2], [3], [4, 5, 6]], 90000, markLast: true);

        Assert.Equal(3, _sent.Count);
        Assert.Equal(new byte[]
        {
            0x80, 96, 0xFF, 0xFE,          // V=2, M=0, PT=96, seq 65534
            0x00, 0x01, 0x5F, 0x90,        // timestamp 90000
            0x11, 0x11, 0x22, 0x22,        // SSRC
            1, 2,
        }, _sent[0]);
        Assert.Equal(new byte[] { 0xFF, 0xFF }, _sent[1][2..4]);
        Assert.Equal(new byte[] { 0x80 | 96, 0x00, 0x00 }, _sent[2][1..4]);  // marker on the last, seq wrapped to 0
        Assert.Equal(3, sender.PacketsSent);
        Assert.Equal(6, sender.PayloadBytesSent);
    }

    [Fact]
    public void Nack_WithoutRtx_ResendsThePacketAsItWas()
    {
        var sender = Create(rtx: false);
        sender.SendFrame([[1, 2], [3], [4, 5, 6]], 90000, markLast: true);
        var original = _sent[1];

        Assert.True(sender.Retransmit(65535));

        Assert.Equal(original, _sent[^1]);
        Assert.Equal(1, sender.Retransmitted);
        Assert.Equal(3, sender.PacketsSent);
    }

    [Fact]
    public void Nack_WithRtx_SendsOsnAndPayloadOnTheRtxSsrc()
    {
        var sender = Create(rtx: true);
        sender.Send([0xAB, 0xCD], 3000, marker: true);

        Assert.True(sender.Retransmit(65534));
        Assert.True(sender.Retransmit(65534));

        Assert.Equal(new byte[]
        {
            0x80, 0x80 | 97, 0x01, 0xF4,   // M kept, PT=97 (rtx), rtx seq 500
            0x00, 0x00, 0x0B, 0xB8,        // original timestamp 3000
            0x33, 0x33, 0x44, 0x44,        // rtx SSRC
            0xFF, 0xFE,                    // OSN 65534
            0xAB, 0xCD,                    // original payload
        }, _sent[1]);
        Assert.Equal(new byte[] { 0x01, 0xF5 }, _sent[2][2..4]);  // the rtx stream has its own sequence
    }

    [Fact]
    public void HandleNack_AnswersEveryListedPacketStillInTheHistory()
    {
        var sender = Create(rtx: false, history: 4);
        for (var i = 0; i < 6; i++)
        {
            sender.Send([(byte)i], (uint)i, marker: false);
        }

        // Sent 65534..3 (wrapping); a 4-packet history keeps 0..3.
        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WriteNack(0xAAAA_0001, 0x1111_2222, [65535, 0, 2]);
        var reader = new RtcpCompoundReader(buffer.AsSpan(0, writer.Length));
        Assert.True(reader.TryReadNext(out var view));
        Assert.True(GenericNack.TryParse(view, out var nack));

        Assert.Equal(2, sender.HandleNack(nack));
        Assert.Equal(3, sender.NackedPackets);
        Assert.True(RtpPacket.TryParse(_sent[^2], out var first));
        Assert.Equal((ushort)0, first.SequenceNumber);
        Assert.True(RtpPacket.TryParse(_sent[^1], out var second));
        Assert.Equal((ushort)2, second.SequenceNumber);
    }

    [Fact]
    public void SenderReport_CarriesTheCounts()
    {
        var sender = Create(rtx: false);
        var buffer = new byte[256];
        Assert.Equal(0, sender.WriteSenderReport(buffer, 1, 2, "cname"));

        sender.Send(new byte[100], 0, marker: false);
        sender.Send(new byte[50], 0, marker: false);
        var length = sender.WriteSenderReport(buffer, 0xE000_0000_8000_0000UL, 123_456, "cname");

        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out var view));
        Assert.True(SenderReport.TryParse(view, out var report));
        Assert.Equal(0x1111_2222u, report.SenderSsrc);
        Assert.Equal(0xE000_0000_8000_0000UL, report.NtpTimestamp);
        Assert.Equal(123_456u, report.RtpTimestamp);
        Assert.Equal(2u, report.PacketCount);
        Assert.Equal(150u, report.OctetCount);
        Assert.True(reader.TryReadNext(out var sdes));
        Assert.Equal(RtcpPacketType.SourceDescription, sdes.Type);
    }
}
