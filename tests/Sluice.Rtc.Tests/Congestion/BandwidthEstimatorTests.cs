using System.Buffers.Binary;
using Sluice.Rtc.Congestion;
using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Congestion;

/// <summary>The estimator's inputs one at a time: REMB, receiver reports, unknown and absurd feedback, wrap, allocation.</summary>
public sealed class BandwidthEstimatorTests
{
    private const long Ms = 1_000;
    private static readonly BandwidthEstimatorOptions Options = new();

    [Fact]
    public void After_deep_loss_cuts_a_loss_free_report_raises_the_loss_based_rate_near_what_was_delivered()
    {
        // A thin link's start: the initial guess overshoots and loss cuts the rate deep, below what the link carries.
        var loss = new LossBasedControl(1_000_000, 10_000, 20_000_000);
        for (var i = 0; i < 8; i++)
        {
            loss.OnLossFraction(0.5, i * 400 * Ms, 50 * Ms);
        }

        Assert.InRange(loss.Rate, 10_000, 120_000);
        var cut = loss.Rate;

        // Loss-free, with nothing known of what arrived: 8 % a second, as before.
        loss.OnLossFraction(0, 3_300 * Ms, 50 * Ms);
        Assert.InRange(loss.Rate, cut, (cut * 1.09) + 1_000);

        // Loss-free while the receiver acknowledges 236 kbit/s: 85 % of that at once, no more than the ceiling.
        loss.OnLossFraction(0, 3_400 * Ms, 50 * Ms, ceiling: 364_000, delivered: 236_000);
        Assert.Equal(200_600, loss.Rate);
        loss.OnLossFraction(0, 3_500 * Ms, 50 * Ms, ceiling: 150_000, delivered: 500_000);
        Assert.Equal(200_600, loss.Rate);

        // Heavy loss is not outweighed by what arrived.
        loss.OnLossFraction(0.3, 4_000 * Ms, 50 * Ms, delivered: 236_000);
        Assert.True(loss.Rate < 200_600);
    }

    [Fact]
    public void Remb_of_zero_and_of_ulong_max_is_clamped_and_counted()
    {
        var estimator = new BandwidthEstimator(Options);
        Assert.False(estimator.HasFeedback);

        estimator.OnRemb(0, 0);
        Assert.True(estimator.HasFeedback);
        Assert.Equal(1, estimator.RembsReceived);
        Assert.Equal(1, estimator.RembsClamped);
        Assert.Equal(Options.MinBitrate, estimator.TargetBitrate);

        estimator.OnRemb(ulong.MaxValue, 10 * Ms);
        Assert.Equal(2, estimator.RembsClamped);
        Assert.InRange(estimator.TargetBitrate, Options.MinBitrate, Options.MaxBitrate);
    }

    [Fact]
    public void Only_recent_loss_or_a_live_remb_says_the_path_is_loss_limited()
    {
        var estimator = new BandwidthEstimator(Options);
        Assert.False(estimator.LossLimited(0, 5_000 * Ms));

        // A receiver report with 25 % lost cuts the loss-based rate: limited for the window, not after it.
        estimator.OnReceiverReportLoss(64, 1_000 * Ms);
        Assert.True(estimator.LossLimited(2_000 * Ms, 5_000 * Ms));
        Assert.False(estimator.LossLimited(7_000 * Ms, 5_000 * Ms));

        // 1 % lost cuts nothing.
        var clean = new BandwidthEstimator(Options);
        clean.OnReceiverReportLoss(3, 1_000 * Ms);
        Assert.False(clean.LossLimited(2_000 * Ms, 5_000 * Ms));

        // A REMB caps the path while it lives.
        clean.OnRemb(500_000, 3_000 * Ms);
        Assert.True(clean.LossLimited(4_000 * Ms, 5_000 * Ms));
        Assert.False(clean.LossLimited(3_000 * Ms + BandwidthEstimator.RembLifetimeMicros, 5_000 * Ms));
    }

    [Fact]
    public void Remb_caps_the_target_until_it_expires()
    {
        var estimator = new BandwidthEstimator(Options);
        estimator.OnRemb(300_000, 0);
        Assert.Equal(0, estimator.RembsClamped);
        Assert.Equal(300_000, estimator.TargetBitrate);

        // No loss for a while: the loss-based rate would grow, the REMB still holds it.
        for (long t = 1; t <= 4; t++)
        {
            estimator.OnReceiverReportLoss(0, t * 1_000 * Ms);
        }

        Assert.Equal(300_000, estimator.TargetBitrate);

        estimator.OnReceiverReportLoss(0, BandwidthEstimator.RembLifetimeMicros + (1_000 * Ms));
        Assert.True(estimator.TargetBitrate > 300_000);
    }

    [Fact]
    public void Receiver_report_loss_lowers_the_target_without_transport_feedback()
    {
        var estimator = new BandwidthEstimator(Options);
        estimator.OnReceiverReportLoss(77, 0); // 30 %
        Assert.InRange(estimator.TargetBitrate, 849_000, 851_000); // × (1 − 0.5 × 0.3)
    }

    [Fact]
    public void Feedback_about_packets_never_sent_is_counted_and_changes_nothing()
    {
        var estimator = new BandwidthEstimator(Options);
        for (int i = 0; i < 100; i++)
        {
            estimator.OnPacketSent((ushort)i, 1200, i * Ms);
        }

        var arrivals = new TransportCcArrival[20];
        for (int i = 0; i < arrivals.Length; i++)
        {
            arrivals[i] = new TransportCcArrival((ushort)(1000 + i), 5_000_000 + (i * Ms));
        }

        Feed(estimator, arrivals, 200 * Ms);

        Assert.Equal(20, estimator.UnknownPacketsAcked);
        Assert.Equal(1, estimator.FeedbacksReceived);
        Assert.Equal(Options.InitialBitrate, estimator.TargetBitrate);
        Assert.Equal(0, estimator.AcknowledgedBitrate);
    }

    [Fact]
    public void Feedback_about_packets_forgotten_long_ago_is_unknown()
    {
        var estimator = new BandwidthEstimator(Options);
        for (int i = 0; i < 3 * BandwidthEstimator.History; i++)
        {
            estimator.OnPacketSent((ushort)i, 1200, i * Ms);
        }

        Feed(estimator, [new TransportCcArrival(5, 1_000_000), new TransportCcArrival(6, 1_001_000)], 3 * BandwidthEstimator.History * Ms);

        Assert.Equal(2, estimator.UnknownPacketsAcked);
    }

    [Fact]
    public void A_run_of_huge_receive_deltas_is_ignored()
    {
        var estimator = new BandwidthEstimator(Options);
        SendAndAcknowledge(estimator, 0, 100, 0);
        long target = estimator.TargetBitrate;

        // 40 packets, each "received" 8.19 s after the previous one: five minutes for 40 ms of sending.
        byte[] packet = RawFeedback(baseSequence: 100, count: 40, referenceTime: 100, delta: short.MaxValue);
        for (int i = 0; i < 40; i++)
        {
            estimator.OnPacketSent((ushort)(100 + i), 1200, (100 + i) * Ms);
        }

        FeedRaw(estimator, packet, 200 * Ms);

        Assert.Equal(1, estimator.FeedbacksIgnored);
        Assert.Equal(target, estimator.TargetBitrate);
        Assert.InRange(estimator.TargetBitrate, Options.MinBitrate, Options.MaxBitrate);
    }

    [Fact]
    public void Receive_times_running_backwards_wildly_are_ignored()
    {
        var estimator = new BandwidthEstimator(Options);
        SendAndAcknowledge(estimator, 0, 100, 0);
        long target = estimator.TargetBitrate;
        for (int i = 0; i < 40; i++)
        {
            estimator.OnPacketSent((ushort)(100 + i), 1200, (100 + i) * Ms);
        }

        FeedRaw(estimator, RawFeedback(baseSequence: 100, count: 40, referenceTime: 100, delta: short.MinValue), 200 * Ms);

        Assert.Equal(1, estimator.FeedbacksIgnored);
        Assert.Equal(target, estimator.TargetBitrate);
    }

    [Fact]
    public void A_reference_time_jump_of_hours_is_ignored_until_three_feedbacks_agree()
    {
        var estimator = new BandwidthEstimator(Options);
        long hours = 3L * 3600 * 1_000_000;
        long now = SendAndAcknowledge(estimator, 0, 100, 0);
        long target = estimator.TargetBitrate;

        now = SendAndAcknowledge(estimator, 100, 20, hours);
        Assert.Equal(1, estimator.FeedbacksIgnored);
        Assert.Equal(target, estimator.TargetBitrate);

        now = SendAndAcknowledge(estimator, 120, 20, hours, now);
        Assert.Equal(2, estimator.FeedbacksIgnored);

        // The third in a row with the same clock: the peer's clock really moved; the estimator follows it.
        SendAndAcknowledge(estimator, 140, 20, hours, now);
        Assert.Equal(2, estimator.FeedbacksIgnored);
        Assert.InRange(estimator.TargetBitrate, Options.MinBitrate, Options.MaxBitrate);
    }

    [Fact]
    public void Random_feedback_never_throws_nor_leaves_the_bounds()
    {
        var random = new Random(7);
        var estimator = new BandwidthEstimator(Options with { MinBitrate = 50_000, MaxBitrate = 5_000_000 });
        var arrivals = new List<TransportCcArrival>();
        byte[] buffer = new byte[1500];
        for (int round = 0; round < 2000; round++)
        {
            long now = round * 20 * Ms;
            ushort first = (ushort)(round * 10);
            for (int i = 0; i < 10; i++)
            {
                estimator.OnPacketSent((ushort)(first + i), random.Next(-10, 70_000), now + random.Next(-100_000, 100_000), random.Next(-2, 3));
            }

            if (round % 50 == 0)
            {
                estimator.StartProbe(random.NextInt64(-1, long.MaxValue), now);
                estimator.OnRemb((ulong)random.NextInt64(), now);
                estimator.OnReceiverReportLoss((byte)random.Next(256), now);
            }

            arrivals.Clear();
            ushort sequence = (ushort)(first - random.Next(0, 30));
            int count = random.Next(1, 40);
            for (int i = 0; i < count; i++, sequence++)
            {
                arrivals.Add(random.Next(4) == 0 ? TransportCcArrival.NotReceived(sequence) : new TransportCcArrival(sequence, random.NextInt64(0, 1L << 40)));
            }

            if (!arrivals.Exists(a => a.IsReceived))
            {
                arrivals[0] = new TransportCcArrival(arrivals[0].SequenceNumber, 0);
            }

            int length = TransportCcFeedback.Write(buffer, 1, 2, (byte)round, arrivals.ToArray(), out _);
            FeedRaw(estimator, buffer.AsSpan(0, length).ToArray(), now + random.Next(-1_000_000, 1_000_000));
            Assert.InRange(estimator.TargetBitrate, 50_000, 5_000_000);
        }

        Assert.Equal(2000, estimator.FeedbacksReceived);
    }

    [Fact]
    public void Sequence_numbers_wrapping_past_65535_are_matched()
    {
        var estimator = new BandwidthEstimator(Options);
        long now = 0;
        ushort sequence = 65_000;
        for (int round = 0; round < 60; round++)
        {
            var arrivals = new TransportCcArrival[20];
            for (int i = 0; i < arrivals.Length; i++, sequence++)
            {
                estimator.OnPacketSent(sequence, 1200, now);
                arrivals[i] = new TransportCcArrival(sequence, now + (20 * Ms));
                now += 10 * Ms;
            }

            Feed(estimator, arrivals, now + (20 * Ms));
        }

        Assert.True(sequence < 65_000, "the test did not wrap");
        Assert.Equal(0, estimator.UnknownPacketsAcked);
        Assert.Equal(0, estimator.FeedbacksIgnored);
        Assert.InRange(estimator.AcknowledgedBitrate, 910_000, 1_010_000); // 1200 B every 10 ms
    }

    [Fact]
    public void Sending_and_feedback_allocate_nothing()
    {
        const int Rounds = 400;
        const int PerRound = 25;
        var estimator = new BandwidthEstimator(Options);

        // Feedback packets are built up front (the writer allocates nothing either, but the arrivals array is ours).
        var packets = new byte[Rounds][];
        var arrivals = new TransportCcArrival[PerRound];
        byte[] buffer = new byte[1500];
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < PerRound; i++)
            {
                int index = (round * PerRound) + i;
                arrivals[i] = i % 17 == 3 ? TransportCcArrival.NotReceived((ushort)(60_000 + index)) : new TransportCcArrival((ushort)(60_000 + index), 1_000_000 + (index * 2 * Ms) + ((index % 7) * 300));
            }

            int length = TransportCcFeedback.Write(buffer, 1, 2, (byte)round, arrivals, out int consumed);
            Assert.Equal(PerRound, consumed);
            packets[round] = buffer.AsSpan(0, length).ToArray();
        }

        long checksum = Drive(estimator, packets, 0, Rounds / 4, PerRound);
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Drive(estimator, packets, Rounds / 4, Rounds, PerRound);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
        Assert.Equal(0, estimator.UnknownPacketsAcked);
        Assert.True(estimator.ProbesStarted > 0);
    }

    private static long Drive(BandwidthEstimator estimator, byte[][] packets, int from, int to, int perRound)
    {
        long checksum = 0;
        for (int round = from; round < to; round++)
        {
            long roundStart = round * perRound * 2 * Ms;
            int cluster = round % 10 == 0 ? estimator.StartProbe(2 * estimator.TargetBitrate, roundStart) : -1;
            for (int i = 0; i < perRound; i++)
            {
                int index = (round * perRound) + i;
                estimator.OnPacketSent((ushort)(60_000 + index), 1200, index * 2 * Ms, i < 10 ? cluster : -1);
            }

            if (RtcpHeaderView.TryRead(packets[round], out RtcpHeaderView header, out _) && TransportCcFeedback.TryParse(header, out TransportCcFeedback feedback))
            {
                estimator.OnTransportFeedback(feedback, roundStart + (perRound * 2 * Ms) + (40 * Ms));
                checksum += estimator.TargetBitrate;
            }
        }

        return checksum;
    }

    /// <summary>Sends <paramref name="count"/> packets 1 ms apart from <paramref name="first"/> and acknowledges them 20 ms later on a receiver clock shifted by <paramref name="clockShift"/>.</summary>
    private static long SendAndAcknowledge(BandwidthEstimator estimator, int first, int count, long clockShift, long now = 0)
    {
        var arrivals = new TransportCcArrival[count];
        for (int i = 0; i < count; i++)
        {
            long sent = (first + i) * Ms;
            estimator.OnPacketSent((ushort)(first + i), 1200, sent);
            arrivals[i] = new TransportCcArrival((ushort)(first + i), 1_000_000 + clockShift + sent + (20 * Ms));
        }

        now = Math.Max(now, (first + count) * Ms) + (40 * Ms);
        Feed(estimator, arrivals, now);
        return now;
    }

    private static void Feed(BandwidthEstimator estimator, TransportCcArrival[] arrivals, long now)
    {
        byte[] buffer = new byte[1500];
        int length = TransportCcFeedback.Write(buffer, 1, 2, 0, arrivals, out int consumed);
        Assert.Equal(arrivals.Length, consumed);
        FeedRaw(estimator, buffer.AsSpan(0, length).ToArray(), now);
    }

    private static void FeedRaw(BandwidthEstimator estimator, byte[] packet, long now)
    {
        Assert.True(RtcpHeaderView.TryRead(packet, out RtcpHeaderView header, out _));
        Assert.True(TransportCcFeedback.TryParse(header, out TransportCcFeedback feedback));
        estimator.OnTransportFeedback(feedback, now);
    }

    /// <summary>A feedback whose packets all carry the same large (2-byte) receive delta, in one run-length chunk.</summary>
    private static byte[] RawFeedback(ushort baseSequence, int count, int referenceTime, short delta)
    {
        int length = (20 + 2 + (2 * count) + 3) & ~3;
        byte[] packet = new byte[length];
        packet[0] = 0x8F;                                                              // V=2 P=0 FMT=15
        packet[1] = 205;                                                               // PT=205 RTPFB
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)((length / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), 1);                   // sender SSRC
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 2);                   // media SSRC
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), baseSequence);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)count);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), (uint)referenceTime << 8); // reference time | fb count 0
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)(0x4000 | count)); // run length: S=10 large delta × count
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(packet.AsSpan(22 + (2 * i)), delta);
        }

        return packet;
    }
}
