namespace Sluice.Rtc.Congestion;

/// <summary>Bounds and start value of a <see cref="BandwidthEstimator"/>, in bits per second.</summary>
public sealed record BandwidthEstimatorOptions
{
    /// <summary>The estimate before any feedback.</summary>
    public long InitialBitrate { get; init; } = 1_000_000;

    /// <summary>The estimate never goes below this.</summary>
    public long MinBitrate { get; init; } = 30_000;

    /// <summary>The estimate never goes above this.</summary>
    public long MaxBitrate { get; init; } = 20_000_000;
}
