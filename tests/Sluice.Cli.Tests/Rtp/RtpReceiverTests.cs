using Sluice.Client.Rtp;
using Sluice.Rtc.Rtcp;
using Sluice.Testing;

namespace Sluice.Cli.Tests.Rtp;

/// <summary>The reorder buffer, gap tracking and NACK policy of <see cref="RtpReceiver"/> (RFC 3550 App. A.1, RFC 4585 §6.2.1).</summary>
public sealed class RtpReceiverTests
{
    private readonly ManualTimeProvider _time = new();

    private RtpReceiver Create(RtpReceiverOptions? options = null) => new(0x1111_2222, 90000, options ?? new RtpReceiverOptions(), _time);

    private static List<ushort> Drain(RtpReceiver receiver, List<ReceivedPacket>? into = null)
    {
        var output = into ?? [];
        receiver.Drain(output);
        return [.. output.Select(p => Packets.Sequence(p.Packet))];
    }

    [Fact]
    public void Reordered_Packets_AreReleasedInOrder()
    {
        var receiver = Create();
        var released = new List<ushort>();
        foreach (ushort seq in new ushort[] { 10, 12, 11, 14, 13, 15 })
        {
            receiver.Receive(Packets.Rtp(seq));
            released.AddRange(Drain(receiver));
        }

        Assert.Equal(new ushort[] { 10, 11, 12, 13, 14, 15 }, released);
        Assert.Equal(0, receiver.Lost);
        Assert.Equal(2, receiver.Recovered);
    }

    [Fact]
    public void Released_Packet_IsTheReceivedBytes()
    {
        var receiver = Create();
        var packet = Packets.Rtp(500, timestamp: 1234, marker: true);
        receiver.Receive(packet);
        var output = new List<ReceivedPacket>();
        receiver.Drain(output);

        var released = Assert.Single(output);
        Assert.Equal(packet, released.Packet);
        Assert.False(released.Discontinuity);
    }

    [Fact]
    public void Order_SurvivesSequenceWrap()
    {
        var receiver = Create();
        var released = new List<ushort>();
        foreach (ushort seq in new ushort[] { 65534, 0, 65535, 1 })
        {
            receiver.Receive(Packets.Rtp(seq));
            released.AddRange(Drain(receiver));
        }

        Assert.Equal(new ushort[] { 65534, 65535, 0, 1 }, released);
    }

    [Fact]
    public void Duplicates_AreDropped()
    {
        var receiver = Create();
        Assert.True(receiver.Receive(Packets.Rtp(1)));
        Assert.False(receiver.Receive(Packets.Rtp(1)));
        receiver.Receive(Packets.Rtp(3));
        Assert.True(receiver.Receive(Packets.Rtp(2)));
        Assert.False(receiver.Receive(Packets.Rtp(2)));
        Assert.Equal(2, receiver.Duplicates);
    }

    [Fact]
    public void Gap_IsNackedAfterTheReorderDelay_Ascending()
    {
        var receiver = Create();
        receiver.Receive(Packets.Rtp(100));
        receiver.Receive(Packets.Rtp(104));
        var nacks = new List<ushort>();

        receiver.CollectNacks(nacks);
        Assert.Empty(nacks);

        _time.Advance(TimeSpan.FromMilliseconds(15));
        receiver.CollectNacks(nacks);
        Assert.Equal(new ushort[] { 101, 102, 103 }, nacks);

        // Build the NACK as the subscriber does and check the wire form: one PID/BLP pair.
        var buffer = new byte[64];
        var writer = new RtcpWriter(buffer);
        writer.WriteNack(0xAAAA_0001, receiver.Ssrc, nacks.ToArray());
        Assert.Equal(new byte[]
        {
            0x81, 205, 0x00, 0x03,                         // V=2, FMT=1 (Generic NACK), PT=RTPFB, length 3
            0xAA, 0xAA, 0x00, 0x01,                        // sender SSRC
            0x11, 0x11, 0x22, 0x22,                        // media SSRC
            0x00, 101, 0b0000_0000, 0b0000_0011,           // PID=101, BLP: 102 and 103
        }, buffer[..writer.Length]);
    }

    [Fact]
    public void Nack_IsRepeatedAfterTheInterval_UpToTheRetryLimit()
    {
        var receiver = Create(new RtpReceiverOptions { NackInterval = TimeSpan.FromMilliseconds(100), MaxNackRetries = 3, GiveUpAfter = TimeSpan.FromSeconds(5) });
        receiver.Receive(Packets.Rtp(1));
        receiver.Receive(Packets.Rtp(3));
        var counts = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            var nacks = new List<ushort>();
            counts.Add(receiver.CollectNacks(nacks));
        }

        // 50 ms: first NACK; then every 100 ms; three in all.
        Assert.Equal(new[] { 1, 0, 1, 0, 1, 0, 0, 0, 0, 0 }, counts);
        Assert.Equal(3, receiver.NackedPackets);
    }

    [Fact]
    public void RecoveredPacket_IsNoLongerNacked_AndReleasesTheRest()
    {
        var receiver = Create();
        receiver.Receive(Packets.Rtp(1));
        receiver.Receive(Packets.Rtp(3));
        receiver.Receive(Packets.Rtp(4));
        Assert.Equal(new ushort[] { 1 }, Drain(receiver));

        receiver.Receive(Packets.Rtp(2), retransmission: true);
        Assert.Equal(new ushort[] { 2, 3, 4 }, Drain(receiver));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        var nacks = new List<ushort>();
        receiver.CollectNacks(nacks);
        Assert.Empty(nacks);
        Assert.Equal(1, receiver.Recovered);
    }

    [Fact]
    public void Gap_IsGivenUpAfterTheTimeout_ThenLaterPacketsFlow()
    {
        var receiver = Create(new RtpReceiverOptions { GiveUpAfter = TimeSpan.FromSeconds(1) });
        receiver.Receive(Packets.Rtp(1));
        receiver.Receive(Packets.Rtp(4));
        receiver.Receive(Packets.Rtp(5));
        Assert.Equal(new ushort[] { 1 }, Drain(receiver));

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(Drain(receiver));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var output = new List<ReceivedPacket>();
        Assert.Equal(new ushort[] { 4, 5 }, Drain(receiver, output));
        Assert.True(output[0].Discontinuity);
        Assert.False(output[1].Discontinuity);
        Assert.Equal(2, receiver.Lost);

        // A given-up gap is not NACKed any more, and its packet arriving late is dropped.
        var nacks = new List<ushort>();
        receiver.CollectNacks(nacks);
        Assert.Empty(nacks);
        Assert.False(receiver.Receive(Packets.Rtp(2)));
        Assert.Equal(1, receiver.Late);
    }

    [Fact]
    public void NoNack_WhenDisabled()
    {
        var receiver = Create(new RtpReceiverOptions { Nack = false });
        receiver.Receive(Packets.Rtp(1));
        receiver.Receive(Packets.Rtp(5));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var nacks = new List<ushort>();
        Assert.Equal(0, receiver.CollectNacks(nacks));
    }

    [Fact]
    public void HugeJump_RestartsTheBuffer()
    {
        var receiver = Create(new RtpReceiverOptions { MaxGap = 100 });
        receiver.Receive(Packets.Rtp(1));
        Drain(receiver);
        receiver.Receive(Packets.Rtp(30000));
        var output = new List<ReceivedPacket>();
        Assert.Equal(new ushort[] { 30000 }, Drain(receiver, output));
        Assert.True(output[0].Discontinuity);
        Assert.Equal(0, receiver.MissingCount);
    }

    [Fact]
    public void ReportBlock_CountsLossAndHighestSequence()
    {
        var receiver = Create(new RtpReceiverOptions { GiveUpAfter = TimeSpan.FromMilliseconds(10) });
        foreach (ushort seq in new ushort[] { 1, 2, 3, 5, 6, 7, 8 })
        {
            receiver.Receive(Packets.Rtp(seq));
        }

        receiver.OnSenderReport(0x0001_2345_6789_0000UL);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var block = receiver.CreateReportBlock();

        Assert.Equal(0x1111_2222u, block.Ssrc);
        Assert.Equal(1, block.CumulativeLost);
        Assert.Equal((byte)(256 / 8), block.FractionLost);
        Assert.Equal(8u, block.HighestSequenceNumber);
        Assert.Equal(0x2345_6789u, block.LastSenderReport);
        Assert.Equal(0x8000u, block.DelaySinceLastSenderReport);
    }
    [Fact]
    public void A_first_packet_in_mid_frame_asks_for_the_ones_before_it_and_releases_them_in_order()
    {
        var receiver = Create(new RtpReceiverOptions { LeadingNack = 4, ReorderDelay = TimeSpan.Zero });

        receiver.Receive(Packets.Rtp(100), startsFrame: false);
        var nacks = new List<ushort>();
        receiver.CollectNacks(nacks);
        Assert.Equal(new ushort[] { 96, 97, 98, 99 }, nacks);
        Assert.Empty(Drain(receiver));

        // The sender had 98 and 99 (its stream to us began at 98); 96 and 97 never existed for us.
        receiver.Receive(Packets.Rtp(99), retransmission: true);
        receiver.Receive(Packets.Rtp(98), retransmission: true);
        _time.Advance(TimeSpan.FromSeconds(2));
        var output = new List<ReceivedPacket>();
        Assert.Equal(new ushort[] { 98, 99, 100 }, Drain(receiver, output));
        Assert.All(output, p => Assert.False(p.Discontinuity));
        Assert.Equal(0, receiver.Lost);
    }

    [Fact]
    public void A_first_packet_that_starts_a_frame_asks_for_nothing_before_it()
    {
        var receiver = Create(new RtpReceiverOptions { ReorderDelay = TimeSpan.Zero });

        receiver.Receive(Packets.Rtp(100), startsFrame: true);

        var nacks = new List<ushort>();
        Assert.Equal(0, receiver.CollectNacks(nacks));
        Assert.Equal(new ushort[] { 100 }, Drain(receiver));
    }
}
