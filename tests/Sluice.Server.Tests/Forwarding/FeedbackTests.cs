using System.Buffers.Binary;
using Sluice.Rtc.Rtcp;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Forwarding;

/// <summary>
/// The RTCP a node owes each side (RFC 3550, RFC 4585): NACKs and receiver reports to a publisher for what
/// reached the node, and its sender reports passed on to subscribers in their own timestamp space, so that a
/// player can line audio up with video.
/// </summary>
public sealed class FeedbackTests
{
    [Fact]
    public async Task The_node_nacks_a_publisher_for_packets_it_lost_and_reports_reception()
    {
        await using var node = await TestNode.StartAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/feedback"), ssrc: 0xFEED);

        publisher.SendFrame(keyframe: true, packets: 3);
        publisher.SkipSequenceNumbers(2);
        publisher.SendFrame(keyframe: false, packets: 3);

        // Sequence numbers 3 and 4 never arrived: the node asks for exactly those.
        await Poll.Until(() => Find(publisher, RtcpPacketType.TransportFeedback) is not null, "a NACK from the node");
        var nack = Find(publisher, RtcpPacketType.TransportFeedback)!;
        Assert.True(RtcpHeaderView.TryRead(nack, out var header, out _));
        Assert.True(GenericNack.TryParse(header, out var parsed));
        Assert.Equal(0xFEEDu, parsed.MediaSsrc);
        var lost = new List<ushort>();
        foreach (var sequence in parsed.GetLostSequenceNumbers())
        {
            lost.Add(sequence);
        }

        Assert.Equal(new ushort[] { 3, 4 }, lost);

        // Every second a receiver report about the publisher's SSRC, counting the two still missing.
        await Poll.Until(() => Find(publisher, RtcpPacketType.ReceiverReport) is not null, "a receiver report", timeoutSeconds: 5);
        Assert.True(RtcpHeaderView.TryRead(Find(publisher, RtcpPacketType.ReceiverReport)!, out var rr, out _));
        Assert.True(ReceiverReport.TryParse(rr, out var report));
        var block = Assert.Single(Blocks(report));
        Assert.Equal(0xFEEDu, block.Ssrc);
        Assert.Equal(7u, block.HighestSequenceNumber);
        Assert.Equal(2, block.CumulativeLost);
    }

    [Fact]
    public async Task A_publisher_sender_report_reaches_subscribers_in_their_own_timestamps()
    {
        await using var node = await TestNode.StartAsync();
        using var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/sync"));
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/sync"), ssrc: 0x5151);
        Assert.True(node.Node.TryGetStream("sync", out var stream));
        await Poll.Until(() => stream!.HasVideoSource() && stream!.VideoSinks() == 1, "the subscriber to be fed");
        publisher.SendFrame(keyframe: true);
        await Poll.Until(() => subscriber.Received.Count >= 3, "the keyframe at the subscriber");

        var forwarded = subscriber.Received.ToArray()[0];
        var offset = BinaryPrimitives.ReadUInt32BigEndian(forwarded.AsSpan(4)) - publisher.LastTimestamp;
        const ulong ntp = 0xEA00_0000_8000_0000UL;
        var report = new byte[28];
        SenderReport.Write(report, 0x5151, ntp, publisher.LastTimestamp + 1500, 3, 600, []);
        publisher.SendRtcp(report);

        await Poll.Until(() => Find(subscriber, RtcpPacketType.SenderReport) is not null, "the sender report at the subscriber");
        Assert.True(RtcpHeaderView.TryRead(Find(subscriber, RtcpPacketType.SenderReport)!, out var header, out _));
        Assert.True(SenderReport.TryParse(header, out var sr));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(forwarded.AsSpan(8)), sr.SenderSsrc);
        Assert.Equal(ntp, sr.NtpTimestamp);
        Assert.Equal(publisher.LastTimestamp + 1500 + offset, sr.RtpTimestamp);
        Assert.Equal(3u, sr.PacketCount);
    }

    private static byte[]? Find(RawClient client, RtcpPacketType type)
    {
        foreach (var datagram in client.ReceivedRtcp)
        {
            var reader = new RtcpCompoundReader(datagram);
            while (reader.TryReadNext(out var packet))
            {
                if (packet.Type == type)
                {
                    return packet.Packet.ToArray();
                }
            }
        }

        return null;
    }

    private static List<ReportBlock> Blocks(ReceiverReport report)
    {
        var blocks = new List<ReportBlock>();
        foreach (var block in report.GetReportBlocks())
        {
            blocks.Add(block);
        }

        return blocks;
    }
}
