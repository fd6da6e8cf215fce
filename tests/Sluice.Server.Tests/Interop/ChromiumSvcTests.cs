using System.Net;
using Microsoft.Playwright;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// Scalable video in one encoding, from Chromium (<c>scalabilityMode</c>): a player behind a
/// <see cref="RateLimitedUdpRelay"/> gets every layer while the link is open, fewer temporal (and, for VP9, spatial)
/// layers when it narrows, decoding on, and all of them again when it opens.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumSvcTests(ITestOutputHelper log)
{
    private const string Page = """
        <!doctype html>
        <title>sluice svc test</title>
        <script>
        """ + BrowserPages.SimulcastPublishJs + BrowserPages.ThinPlayerJs + RateLimitedUdpRelay.CandidateRewriteJs + """
        </script>
        """;

    [ChromiumTheory]
    [InlineData("VP8", "L1T3")]
    public async Task A_player_gets_every_layer_on_an_open_link_fewer_on_a_thin_one_and_keeps_decoding(string codec, string mode)
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        var page = await chromium.Browser.NewPageAsync();
        var url = new Uri(node.BaseUri, "/__test/svc.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Page }));
        await page.GotoAsync(url);
        await page.EvaluateAsync("([url, codec, mode]) => window.publish(url, true, codec, [{ scalabilityMode: mode, maxBitrate: 1000000 }])",
            new object[] { "/whip/svc", codec, mode });
        await Poll.Until(() => node.Node.TryGetStream("svc", out var s) && s!.FindTrack(MediaKind.Video) is { } t
            && t.Encodings[0].TemporalLayerCount == 3 && t.Encodings[0].Bitrate > 250_000,
            () => "three temporal layers at their rate: " + (node.Node.TryGetStream("svc", out var s) && s!.FindTrack(MediaKind.Video) is { } t ? BandwidthReport.Rates(t) : "no track"),
            timeoutSeconds: 30);
        node.Node.TryGetStream("svc", out var stream);
        var track = stream!.FindTrack(MediaKind.Video)!;
        log.WriteLine("published: " + BandwidthReport.Rates(track));

        // Open: every layer, decoded at the camera's rate.
        await using var relay = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, node.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 5_000_000);
        await page.EvaluateAsync("([url, host, port]) => window.play(url, host, port)", new object[] { "/whep/svc", "127.0.0.1", relay.EndPoint.Port });
        var subscriber = stream.Subscribers.Single();
        var video = subscriber.Subscriptions.Single(s => s.Kind == MediaKind.Video);
        await page.WaitForFunctionAsync("async () => (await window.stats()).decoded > 0", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var open = await ThinPlayer.StatsAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var openFor3 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"open for 3 s: {openFor3.Decoded - open.Decoded} frames, {openFor3.Frozen - open.Frozen:0.00} s frozen, "
            + $"{openFor3.VideoLost - open.VideoLost} of {openFor3.VideoPackets - open.VideoPackets} lost; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.Equal(TrackEncoding.TemporalLayers - 1, video.TemporalLayer);
        Assert.True(openFor3.Decoded - open.Decoded >= 3 * 20, $"only {openFor3.Decoded - open.Decoded} frames decoded in 3 s on an open link");

        // Narrowed to three quarters of the encoding's rate: its lower temporal layers and the audio fit, not all of it.
        relay.DownlinkBitsPerSecond = track.Encodings[0].PeakBitrate * 3 / 4;
        log.WriteLine($"narrowed to {relay.DownlinkBitsPerSecond / 1000} kbit/s");
        await Poll.Until(() => video.TemporalLayer < 2 && !video.PausedForBandwidth,
            () => "the player to take fewer temporal layers: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var thin = await ThinPlayer.StatsAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var thinFor4 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"thin for 4 s: {thinFor4.Decoded - thin.Decoded} frames, {thinFor4.Frozen - thin.Frozen:0.00} s frozen, "
            + $"{thinFor4.VideoLost - thin.VideoLost} of {thinFor4.VideoPackets - thin.VideoPackets} lost; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.False(video.PausedForBandwidth);
        Assert.True(video.TemporalLayer < 2, "every temporal layer forwarded on a link that carries half of them");
        Assert.True(thinFor4.Decoded - thin.Decoded >= 4 * 6, $"only {thinFor4.Decoded - thin.Decoded} frames decoded in 4 s on a thin link");
        Assert.True(thinFor4.Frozen - thin.Frozen < 1.0, $"frozen for {thinFor4.Frozen - thin.Frozen:0.00} s in 4 s on a thin link");
        Assert.True(thinFor4.VideoLost - thin.VideoLost <= (thinFor4.VideoPackets - thin.VideoPackets) / 20, "more than 5% of the video lost on a link that carries what is sent");
        Assert.True(video.FramesDropped > 0);

        // Open again: back to every layer.
        relay.DownlinkBitsPerSecond = 5_000_000;
        await Poll.Until(() => video.TemporalLayer >= 2, () => "the player to climb back to every layer: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        var reopened = await ThinPlayer.StatsAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var reopenedFor3 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"reopened for 3 s: {reopenedFor3.Decoded - reopened.Decoded} frames; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.True(reopenedFor3.Decoded - reopened.Decoded >= 3 * 20, $"only {reopenedFor3.Decoded - reopened.Decoded} frames decoded in 3 s after reopening");
    }
}
