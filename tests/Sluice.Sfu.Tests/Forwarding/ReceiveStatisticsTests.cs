using Sluice.Sfu.Forwarding;
using Sluice.Testing;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>Receiver-report statistics (RFC 3550 §6.4.1, A.3) across a publisher's change of SSRC.</summary>
public sealed class ReceiveStatisticsTests
{
    [Fact]
    public void A_new_sequence_space_neither_invents_loss_nor_hides_it()
    {
        var statistics = new ReceiveStatistics(90000, new ManualTimeProvider());
        for (var sequence = 100; sequence < 110; sequence++)
        {
            statistics.OnPacket(sequence, 0, 0);
        }

        statistics.OnPacket(112, 0, 0);
        Assert.Equal(2, statistics.PacketsLost);

        // The publisher restarts with a new SSRC, its sequence numbers far away.
        statistics.Rebase();
        for (var sequence = 50_000; sequence < 50_010; sequence++)
        {
            statistics.OnPacket(sequence, 0, 0);
        }

        Assert.Equal(2, statistics.PacketsLost);
        var report = statistics.CreateReportBlock(0xABCD);
        Assert.Equal(0, report.FractionLost);
        Assert.Equal(0, report.CumulativeLost);

        statistics.OnPacket(50_013, 0, 0);
        Assert.Equal(5, statistics.PacketsLost);
    }
}
