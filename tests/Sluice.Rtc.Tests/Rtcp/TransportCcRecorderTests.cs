using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>The receiving side of transport-wide CC: what arrived, reported once, in order, across wrap.</summary>
public class TransportCcRecorderTests
{
    [Fact]
    public void Reports_arrivals_and_gaps_once_in_order_across_the_wrap()
    {
        var recorder = new TransportCcRecorder();
        ushort[] arrived = [65533, 65534, 1, 2, 0]; // 65535 lost, 0 late (after 2)
        long[] at = [10_000, 11_000, 14_000, 15_000, 16_000];
        for (var i = 0; i < arrived.Length; i++)
        {
            recorder.OnPacket(arrived[i], at[i]);
        }

        var statuses = Read(recorder);
        Assert.Equal([65533, 65534, 65535, 0, 1, 2], statuses.Select(s => (int)s.Sequence));
        Assert.Equal([true, true, false, true, true, true], statuses.Select(s => s.Received));
        // Relative to the first arrival; the late packet 0 keeps its true arrival time after 2's.
        var received = statuses.Where(s => s.Received).ToDictionary(s => s.Sequence, s => s.Time);
        Assert.Equal(1000, received[65534] - received[65533]);
        Assert.Equal(4000, received[1] - received[65533]);
        Assert.Equal(6000, received[0] - received[65533]);

        Assert.False(recorder.HasPending);
        Assert.Equal(0, recorder.WriteFeedback(new byte[1200], 1, 2));

        // Only what came since: a late straggler from before is not reported again.
        recorder.OnPacket(65535, 17_000);
        recorder.OnPacket(3, 18_000);
        Assert.Equal([(ushort)3], Read(recorder).Select(s => s.Sequence));
    }

    [Fact]
    public void A_backlog_larger_than_one_packet_is_flushed_over_several_feedbacks()
    {
        var recorder = new TransportCcRecorder();
        for (var i = 0; i < 3000; i++)
        {
            // Alternating arrivals and losses with growing deltas make long status vectors and large deltas.
            if (i % 3 != 1)
            {
                recorder.OnPacket((ushort)i, i * 700L);
            }
        }

        var seen = new List<ushort>();
        var buffer = new byte[1200];
        int length, feedbacks = 0;
        while ((length = recorder.WriteFeedback(buffer, 1, 2)) > 0)
        {
            feedbacks++;
            var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
            Assert.True(reader.TryReadNext(out var packet));
            Assert.True(TransportCcFeedback.TryParse(packet, out var feedback));
            Assert.Equal((byte)(feedbacks - 1), feedback.FeedbackPacketCount);
            foreach (var status in feedback.GetPackets())
            {
                seen.Add(status.SequenceNumber);
                Assert.Equal(status.SequenceNumber % 3 != 1, status.IsReceived);
            }
        }

        Assert.True(feedbacks > 1);
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (ushort)i), seen);
    }

    [Fact]
    public void Falling_a_whole_window_behind_skips_what_cannot_be_described()
    {
        var recorder = new TransportCcRecorder();
        recorder.OnPacket(0, 0);
        recorder.OnPacket(10_000, 1_000);
        var statuses = Read(recorder);
        Assert.True(statuses.Count <= 4096);
        Assert.Equal(10_000, statuses[^1].Sequence);
        Assert.True(statuses[^1].Received);
    }

    private static List<(ushort Sequence, bool Received, long Time)> Read(TransportCcRecorder recorder)
    {
        var result = new List<(ushort, bool, long)>();
        var buffer = new byte[1200];
        int length;
        while ((length = recorder.WriteFeedback(buffer, 1, 2)) > 0)
        {
            var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
            Assert.True(reader.TryReadNext(out var packet));
            Assert.True(TransportCcFeedback.TryParse(packet, out var feedback));
            foreach (var status in feedback.GetPackets())
            {
                result.Add((status.SequenceNumber, status.IsReceived, status.ReceiveTimeMicroseconds));
            }
        }

        return result;
    }
}
