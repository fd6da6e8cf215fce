using Sluice.Rtc.Rtp;
using Sluice.Testing;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>Reception statistics, RFC 3550 §6.4.1 with Appendix A.1 (validation, cycles), A.3 (loss) and A.8 (jitter).</summary>
public sealed class ReceiveStatisticsTests
{
    private readonly ManualTimeProvider _time = new();

    private ReceiveStatistics Create(int minSequential = 2) => new(90000, _time) { MinSequential = minSequential };

    private static void Receive(ReceiveStatistics statistics, params int[] sequenceNumbers)
    {
        foreach (var sequence in sequenceNumbers)
        {
            statistics.OnPacket((ushort)sequence, 0, 0);
        }
    }

    [Fact]
    public void Probation_A1_counts_from_the_packet_that_makes_the_source_valid()
    {
        var statistics = Create(minSequential: 2);
        Receive(statistics, 10);
        Assert.Equal(-1, statistics.ExtendedHighestSequenceNumber);

        // Not in sequence: probation starts over from 20.
        Receive(statistics, 20);
        Assert.Equal(-1, statistics.ExtendedHighestSequenceNumber);
        Receive(statistics, 21, 22);
        Assert.Equal(22, statistics.ExtendedHighestSequenceNumber);

        var block = statistics.CreateReportBlock(1);
        Assert.Equal(0, block.CumulativeLost);
        Assert.Equal(22u, block.HighestSequenceNumber);
        Assert.Equal(4, statistics.PacketsReceived);
    }

    [Theory]
    [InlineData(new[] { 65534, 65535, 0, 1 })]       // in order across the wrap: one cycle
    [InlineData(new[] { 65533, 65535, 1, 0, 65534 })] // reordered: no loss, and the late 65534 adds no cycle
    public void Sequence_wrap_adds_a_cycle_and_reordering_is_no_loss(int[] sequenceNumbers)
    {
        var statistics = Create(minSequential: 1);
        Receive(statistics, sequenceNumbers);

        var block = statistics.CreateReportBlock(1);
        Assert.Equal(0x0001_0001u, block.HighestSequenceNumber);
        Assert.Equal(0, block.CumulativeLost);
        Assert.Equal(0, block.FractionLost);
    }

    [Fact]
    public void Duplicates_count_as_received_A3_so_cumulative_loss_can_go_negative()
    {
        var statistics = Create(minSequential: 1);
        Receive(statistics, 1, 2, 2, 3, 3);

        var block = statistics.CreateReportBlock(1);
        Assert.Equal(-2, block.CumulativeLost);
        Assert.Equal(0, block.FractionLost);
        Assert.Equal(0, statistics.PacketsLost);
    }

    [Fact]
    public void Fraction_lost_is_per_interval_in_256ths()
    {
        var statistics = Create(minSequential: 1);
        Receive(statistics, 1, 2, 3, 5, 6, 7, 8);  // 8 expected, 7 received
        var first = statistics.CreateReportBlock(1);
        Assert.Equal(256 / 8, first.FractionLost);
        Assert.Equal(1, first.CumulativeLost);

        Receive(statistics, 9, 10, 13, 14);  // 6 expected in this interval, 4 received
        var second = statistics.CreateReportBlock(1);
        Assert.Equal(2 * 256 / 6, second.FractionLost);
        Assert.Equal(3, second.CumulativeLost);

        var third = statistics.CreateReportBlock(1);
        Assert.Equal(0, third.FractionLost);
        Assert.Equal(3, third.CumulativeLost);
    }

    [Fact]
    public void A_large_jump_confirmed_by_its_successor_restarts_the_sequence_A1()
    {
        var statistics = Create(minSequential: 1);
        Receive(statistics, 100, 101, 102);
        Assert.False(statistics.OnPacket(40_000, 0, 0));
        Assert.Equal(102, statistics.ExtendedHighestSequenceNumber);

        Assert.True(statistics.OnPacket(40_001, 0, 0));
        Assert.Equal(40_001, statistics.ExtendedHighestSequenceNumber);
        Assert.Equal(0, statistics.CreateReportBlock(1).CumulativeLost);
        Assert.Equal(0, statistics.PacketsLost);
    }

    [Fact]
    public void A_retransmission_far_behind_fills_its_gap_and_is_no_jump()
    {
        var statistics = Create(minSequential: 1);
        Receive(statistics, 1);
        for (var sequence = 3; sequence < 1000; sequence++)
        {
            statistics.OnPacket((ushort)sequence, 0, 0);
        }

        Assert.Equal(1, statistics.PacketsLost);
        Assert.True(statistics.OnPacket(2, 0, 0, retransmission: true));
        Assert.Equal(0, statistics.PacketsLost);
        Assert.Equal(999, statistics.ExtendedHighestSequenceNumber);
    }

    [Fact]
    public void Jitter_follows_A8_and_a_constant_delay_is_none()
    {
        var statistics = Create(minSequential: 1);
        for (var i = 0; i < 50; i++)
        {
            statistics.OnPacket((ushort)i, (uint)(i * 1800), _time.GetTimestamp());
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(0u, statistics.Jitter);

        // One packet 10 ms late: D = 900 units at 90 kHz, and J = 900/16.
        _time.Advance(TimeSpan.FromMilliseconds(10));
        statistics.OnPacket(50, 50 * 1800, _time.GetTimestamp());
        Assert.Equal(900u / 16, statistics.Jitter);
    }

    [Theory]
    [InlineData(0x0000_1000u)]
    [InlineData(0xFFFF_F000u)]
    public void Jitter_is_the_same_whether_or_not_the_RTP_timestamp_wraps(uint firstTimestamp)
    {
        // Starting at 0xFFFFF000 the timestamp passes 0xFFFFFFFF -> 0 after three packets.
        var statistics = Create(minSequential: 1);
        var jitterFree = new[] { 0, 3, 1, 4, 2, 0, 5, 1, 3, 2 };
        for (var i = 0; i < jitterFree.Length; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(20 + jitterFree[i]));
            statistics.OnPacket((ushort)i, unchecked(firstTimestamp + (uint)(i * 1800)), _time.GetTimestamp());
        }

        Assert.InRange(statistics.Jitter, 1u, 200u);
        Assert.Equal(ReferenceJitter(jitterFree), statistics.Jitter);
    }

    private static uint ReferenceJitter(int[] extraMilliseconds)
    {
        // A.8 with plain integers and no wrap: D is the change in (arrival - timestamp) in 90 kHz units.
        long jitterScaled = 0;
        for (var i = 1; i < extraMilliseconds.Length; i++)
        {
            long d = Math.Abs((20 + extraMilliseconds[i]) * 90 - 1800);
            jitterScaled += d - ((jitterScaled + 8) >> 4);
        }

        return (uint)(jitterScaled >> 4);
    }

    [Fact]
    public void Report_block_carries_LSR_and_DLSR()
    {
        var statistics = Create(minSequential: 1);
        Receive(statistics, 1);
        Assert.Equal(0u, statistics.CreateReportBlock(1).DelaySinceLastSenderReport);

        statistics.OnSenderReport(0x0001_2345_6789_0000UL);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var block = statistics.CreateReportBlock(7);
        Assert.Equal(7u, block.Ssrc);
        Assert.Equal(0x2345_6789u, block.LastSenderReport);
        Assert.Equal(0x8000u, block.DelaySinceLastSenderReport);
    }

    [Fact]
    public void A_new_sequence_space_neither_invents_loss_nor_hides_it()
    {
        var statistics = new ReceiveStatistics(90000, new ManualTimeProvider());
        for (var sequence = 100; sequence < 110; sequence++)
        {
            statistics.OnPacket((ushort)sequence, 0, 0);
        }

        statistics.OnPacket((ushort)112, 0, 0);
        Assert.Equal(2, statistics.PacketsLost);

        // The publisher restarts with a new SSRC, its sequence numbers far away.
        statistics.Rebase();
        for (var sequence = 50_000; sequence < 50_010; sequence++)
        {
            statistics.OnPacket((ushort)sequence, 0, 0);
        }

        Assert.Equal(2, statistics.PacketsLost);
        var report = statistics.CreateReportBlock(0xABCD);
        Assert.Equal(0, report.FractionLost);
        Assert.Equal(0, report.CumulativeLost);

        statistics.OnPacket((ushort)50_013, 0, 0);
        Assert.Equal(5, statistics.PacketsLost);
    }
}
