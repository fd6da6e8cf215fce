using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;
using Sluice.Testing;

namespace Sluice.Server.Tests.Support;

/// <summary>One line on a subscriber's congestion control, for the logs and failure messages of the bandwidth tests.</summary>
internal static class BandwidthReport
{
    /// <summary>Each encoding's rid and rate now.</summary>
    public static string Rates(PublishedTrack track) =>
        string.Join(", ", track.Encodings.Select(e => $"{e.Name} {e.Bitrate / 1000} kbit/s{(e.LayerCount > 1 ? $" ({e.SpatialLayerCount} x {e.TemporalLayerCount} layers, lowest {e.LayerPeakBitrate(0) / 1000})" : "")}"));

    /// <summary>The node's estimate of the subscriber's bandwidth, its probes, and what its video section forwards.</summary>
    public static string Estimate(SubscriberSession subscriber)
    {
        var estimator = subscriber.Downlink.Estimator;
        var video = subscriber.Subscriptions.FirstOrDefault(s => s.Kind == MediaKind.Video);
        return $"estimate {subscriber.Downlink.EstimatedBitrate / 1000} kbit/s (acked {estimator?.AcknowledgedBitrate / 1000}, feedbacks {estimator?.FeedbacksReceived}, "
            + $"ignored {estimator?.FeedbacksIgnored}, REMBs {estimator?.RembsReceived}, probes {estimator?.ProbesStarted}/{estimator?.ProbesSucceeded}, usage {estimator?.Usage}), "
            + $"forwarding {video?.ForwardedEncoding?.Name ?? "-"}{Temporal(video)}{(video?.PausedForBandwidth == true ? " (paused)" : "")} after {video?.LayerSwitches} switches";
    }

    // The spatial and temporal layers forwarded of those the encoding has, where it has more than one.
    private static string Temporal(Subscription? video)
    {
        var (spatial, temporal) = (video?.ForwardedEncoding?.SpatialLayerCount ?? 1, video?.ForwardedEncoding?.TemporalLayerCount ?? 1);
        return (spatial > 1 ? $" S{Math.Min(video!.SpatialLayer, spatial - 1)} of {spatial}" : "")
            + (temporal > 1 ? $" T{Math.Min(video!.TemporalLayer, temporal - 1)} of {temporal} ({video.FramesDropped} frames dropped)" : "");
    }

    /// <summary><see cref="Estimate"/>, with what the relay in front of the subscriber carries and the track's layers.</summary>
    public static string Describe(SubscriberSession subscriber, RateLimitedUdpRelay relay, PublishedTrack track) =>
        $"{Estimate(subscriber)}, relay {relay.DownlinkBitsPerSecondMeasured / 1000} kbit/s, {relay.PacketsDropped} dropped; layers {Rates(track)}";
}
