using Sluice.Rtc.Congestion;
using Xunit.Abstractions;

namespace Sluice.Rtc.Tests.Congestion;

/// <summary>The estimator against a simulated bottleneck (<see cref="LinkSimulation"/>): what it converges to and how fast.</summary>
public sealed class BandwidthEstimatorSimulationTests(ITestOutputHelper output)
{
    private const long Second = 1_000_000;

    [Fact]
    public void Converges_below_a_400k_bottleneck_from_1M_and_stays_above_200k()
    {
        var simulation = new LinkSimulation(new BandwidthEstimatorOptions { InitialBitrate = 1_000_000 }) { Capacity = 400_000 };
        simulation.Run(30 * Second);
        output.WriteLine(simulation.Trace());

        long reached = simulation.FirstTimeAtOrBelow(450_000);
        long floor = simulation.MinTarget(reached, 30 * Second);
        double mean = simulation.MeanTarget(10 * Second, 30 * Second);
        output.WriteLine($"≤ 450k at {reached / 1000} ms; min afterwards {floor / 1000}k; mean 10–30 s {mean / 1000:F0}k; dropped {simulation.PacketsDropped}/{simulation.PacketsSent}");

        Assert.InRange(reached, 0, 10 * Second);
        Assert.True(floor >= 200_000, $"fell to {floor}");
        Assert.InRange(mean, 250_000, 450_000);
    }

    [Fact]
    public void With_a_deeper_queue_the_delay_based_part_holds_the_rate_without_loss()
    {
        var simulation = new LinkSimulation(new BandwidthEstimatorOptions { InitialBitrate = 1_000_000 }) { Capacity = 400_000, QueueMicros = 500_000 };
        simulation.Run(10 * Second);
        long droppedAtTen = simulation.PacketsDropped;
        simulation.Run(20 * Second);
        output.WriteLine(simulation.Trace());
        double mean = simulation.MeanTarget(10 * Second, 30 * Second);
        output.WriteLine($"mean 10–30 s {mean / 1000:F0}k; dropped {simulation.PacketsDropped}/{simulation.PacketsSent}; overuse decreases keep the queue under 500 ms");

        // The delay-based part, not loss, holds the rate: the sawtooth stays around the capacity and nothing is dropped.
        Assert.InRange(mean, 330_000, 430_000);
        Assert.Equal(droppedAtTen, simulation.PacketsDropped);
    }

    [Fact]
    public void Probes_find_a_capacity_raised_from_400k_to_5M()
    {
        var simulation = new LinkSimulation(new BandwidthEstimatorOptions { InitialBitrate = 1_000_000 })
        {
            Capacity = 400_000,
            ProbeIntervalMicros = 2_500_000,
        };
        simulation.Run(10 * Second);
        long before = simulation.Estimator.TargetBitrate;
        simulation.Capacity = 5_000_000;
        simulation.Run(15 * Second);
        output.WriteLine(simulation.Trace());

        long above = simulation.FirstTimeAbove(2_500_000, 10 * Second);
        output.WriteLine($"at the change {before / 1000}k; above 2.5M {(above - (10 * Second)) / 1000} ms after; probes {simulation.Estimator.ProbesSucceeded}/{simulation.Estimator.ProbesStarted} succeeded");

        Assert.True(before < 600_000, $"before the change {before}");
        Assert.InRange(above, 10 * Second, 25 * Second);
        Assert.True(simulation.Estimator.ProbesSucceeded > 0);
    }

    [Fact]
    public void Without_probes_the_estimate_stays_near_what_is_sent()
    {
        var simulation = new LinkSimulation(new BandwidthEstimatorOptions { InitialBitrate = 300_000 })
        {
            Capacity = 5_000_000,
            FixedSendRate = 300_000,
        };
        simulation.Run(20 * Second);
        output.WriteLine(simulation.Trace());

        long max = simulation.MaxTarget(0, 20 * Second);
        output.WriteLine($"max {max / 1000}k, acknowledged {simulation.Estimator.AcknowledgedBitrate / 1000}k");

        Assert.InRange(simulation.Estimator.AcknowledgedBitrate, 250_000, 350_000);
        Assert.True(max > 400_000, $"never grew: {max}");
        Assert.True(max <= (1.5 * 300_000) + 10_000 + 40_000, $"ran ahead: {max}");
    }

    [Fact]
    public void Heavy_random_loss_lowers_the_estimate()
    {
        var simulation = new LinkSimulation(new BandwidthEstimatorOptions { InitialBitrate = 1_000_000 }) { LossRate = 0.2 };
        simulation.Run(10 * Second);
        output.WriteLine(simulation.Trace());
        output.WriteLine($"dropped {simulation.PacketsDropped}/{simulation.PacketsSent}");

        Assert.True(simulation.Estimator.TargetBitrate < 500_000, $"still {simulation.Estimator.TargetBitrate}");
        Assert.Equal(BandwidthUsage.Normal, simulation.Estimator.Usage);
    }

    [Fact]
    public void Light_random_loss_does_not_lower_the_estimate()
    {
        var simulation = new LinkSimulation(new BandwidthEstimatorOptions { InitialBitrate = 1_000_000 }) { LossRate = 0.01 };
        simulation.Run(10 * Second);
        output.WriteLine(simulation.Trace());
        output.WriteLine($"dropped {simulation.PacketsDropped}/{simulation.PacketsSent}");

        Assert.True(simulation.MinTarget(0, 10 * Second) >= 1_000_000, $"fell to {simulation.MinTarget(0, 10 * Second)}");
        Assert.True(simulation.Estimator.TargetBitrate > 1_000_000);
    }
}
