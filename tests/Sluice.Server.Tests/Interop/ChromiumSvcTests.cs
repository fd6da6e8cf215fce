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
/// <see cref="RateLimitedUdpRelay"/> gets every layer while the link is open, fewer temporal layers (VP8 L1T3, AV1
/// L1T3 as its dependency descriptor tells them) or spatial and temporal layers (VP9 L3T3_KEY, in flexible mode) when
/// it narrows, decoding on, and all of them again when it opens.
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
    [InlineData("VP8", "L1T3", 1)]
    [InlineData("VP9", "L3T3_KEY", 3)]
    [InlineData("AV1", "L1T3", 1)]
    public async Task A_player_gets_every_layer_on_an_open_link_fewer_on_a_thin_one_and_keeps_decoding(string codec, string mode, int spatialLayers)
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        var page = await OpenAsync(chromium, node);
        await page.EvaluateAsync("([url, codec, mode]) => window.publish(url, true, codec, [{ scalabilityMode: mode, maxBitrate: 1000000 }])",
            new object[] { "/whip/svc", codec, mode });
        await Poll.Until(() => node.Node.TryGetStream("svc", out var s) && s!.FindTrack(MediaKind.Video) is { } t
            && t.Encodings[0].TemporalLayerCount == 3 && t.Encodings[0].SpatialLayerCount == spatialLayers && t.Encodings[0].Bitrate > 250_000,
            () => $"{spatialLayers} x 3 layers at their rate: " + (node.Node.TryGetStream("svc", out var s) && s!.FindTrack(MediaKind.Video) is { } t ? BandwidthReport.Rates(t) : "no track"),
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
        Assert.True(Everything(), "fewer layers than the encoding has on an open link: " + BandwidthReport.Describe(subscriber, relay, track));
        Assert.Equal(1280, openFor3.Width);
        Assert.True(openFor3.Decoded - open.Decoded >= 3 * 20, $"only {openFor3.Decoded - open.Decoded} frames decoded in 3 s on an open link");

        // Narrowed to three quarters of the encoding's rate: its lower layers and the audio fit, not all of it.
        relay.DownlinkBitsPerSecond = track.Encodings[0].PeakBitrate * 3 / 4;
        log.WriteLine($"narrowed to {relay.DownlinkBitsPerSecond / 1000} kbit/s");
        await Poll.Until(() => !Everything() && !video.PausedForBandwidth,
            () => "the player to take fewer layers: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var thin = await ThinPlayer.StatsAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var thinFor4 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"thin for 4 s: {thinFor4.Decoded - thin.Decoded} frames, {thinFor4.Frozen - thin.Frozen:0.00} s frozen, "
            + $"{thinFor4.VideoLost - thin.VideoLost} of {thinFor4.VideoPackets - thin.VideoPackets} lost; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.False(video.PausedForBandwidth);
        Assert.False(Everything(), "every layer forwarded on a link that carries three quarters of them");
        Assert.True(thinFor4.Decoded - thin.Decoded >= 4 * 6, $"only {thinFor4.Decoded - thin.Decoded} frames decoded in 4 s on a thin link");
        Assert.True(thinFor4.Frozen - thin.Frozen < 1.0, $"frozen for {thinFor4.Frozen - thin.Frozen:0.00} s in 4 s on a thin link");
        Assert.True(thinFor4.VideoLost - thin.VideoLost <= (thinFor4.VideoPackets - thin.VideoPackets) / 20, "more than 5% of the video lost on a link that carries what is sent");
        if (spatialLayers > 1)
        {
            // Fewer spatial layers: a smaller picture (L3T3_KEY from 1280x720: 320, 640 and 1280 wide).
            Assert.True(video.SpatialLayer < spatialLayers - 1, "the top spatial layer forwarded on a thin link");
            Assert.InRange(thinFor4.Width, 320, 640);

            // Thinner, in two steps as a link usually narrows: the lowest spatial layer whole fits, then less than
            // that (with the audio), so fewer of its temporal layers.
            var encoding = track.Encodings[0];
            var lowest = encoding.LayerPeakBitrate(encoding.TemporalLayerCount - 1);
            relay.DownlinkBitsPerSecond = (lowest * 2) + 100_000;
            log.WriteLine($"narrowed to {relay.DownlinkBitsPerSecond / 1000} kbit/s");
            await Poll.Until(() => video.SpatialLayer == 0, () => "the player to take the lowest spatial layer: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
            await Task.Delay(TimeSpan.FromSeconds(2));
            relay.DownlinkBitsPerSecond = (lowest * 3 / 4) + 80_000;
            log.WriteLine($"narrowed to {relay.DownlinkBitsPerSecond / 1000} kbit/s");
            await Poll.Until(() => video.SpatialLayer == 0 && video.TemporalLayer < 2 && !video.PausedForBandwidth,
                () => "the player to take fewer temporal layers of the lowest spatial layer: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var thinner = await ThinPlayer.StatsAsync(page);
            await Task.Delay(TimeSpan.FromSeconds(4));
            var thinnerFor4 = await ThinPlayer.StatsAsync(page);
            log.WriteLine($"thinner for 4 s: {thinnerFor4.Decoded - thinner.Decoded} frames, {thinnerFor4.Frozen - thinner.Frozen:0.00} s frozen, "
                + $"{thinnerFor4.VideoLost - thinner.VideoLost} of {thinnerFor4.VideoPackets - thinner.VideoPackets} lost; {BandwidthReport.Describe(subscriber, relay, track)}");
            Assert.False(video.PausedForBandwidth);
            Assert.Equal(320, thinnerFor4.Width);
            Assert.True(thinnerFor4.Decoded - thinner.Decoded >= 4 * 5, $"only {thinnerFor4.Decoded - thinner.Decoded} frames decoded in 4 s at the lowest layers");
            Assert.True(thinnerFor4.Frozen - thinner.Frozen < 1.0, $"frozen for {thinnerFor4.Frozen - thinner.Frozen:0.00} s in 4 s at the lowest layers");
            Assert.True(video.FramesDropped > 0);
        }
        else
        {
            Assert.True(video.FramesDropped > 0);
        }

        // Open again: back to every layer.
        relay.DownlinkBitsPerSecond = 5_000_000;
        await Poll.Until(Everything, () => "the player to climb back to every layer: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        var reopened = await ThinPlayer.StatsAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var reopenedFor3 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"reopened for 3 s: {reopenedFor3.Decoded - reopened.Decoded} frames; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.True(reopenedFor3.Decoded - reopened.Decoded >= 3 * 20, $"only {reopenedFor3.Decoded - reopened.Decoded} frames decoded in 3 s after reopening");
        Assert.Equal(1280, reopenedFor3.Width);

        bool Everything() => video.TemporalLayer >= 2 && video.SpatialLayer >= spatialLayers - 1;
    }

    [ChromiumTheory]
    [InlineData("VP9")]
    [InlineData("AV1")]
    public async Task Simulcast_with_temporal_layers_per_encoding_plays_the_top_and_a_pinned_low_encoding(string codec)
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        var page = await OpenAsync(chromium, node);
        await page.EvaluateAsync("""
            ([url, codec]) => window.publish(url, true, codec, [
              { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000, scalabilityMode: 'L1T3' },
              { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000, scalabilityMode: 'L1T3' },
              { rid: 'f', maxBitrate: 1500000, scalabilityMode: 'L1T3' }])
            """, new object[] { "/whip/simsvc", codec });
        await Poll.Until(() => node.Node.TryGetStream("simsvc", out var s) && s!.FindTrack(MediaKind.Video) is { Encodings.Length: 3 } t
            && t.Encodings.All(e => e.Bitrate > 0 && e.TemporalLayerCount == 3),
            () => "three encodings in three temporal layers each: " + (node.Node.TryGetStream("simsvc", out var s) && s!.FindTrack(MediaKind.Video) is { } t ? BandwidthReport.Rates(t) : "no track"),
            timeoutSeconds: 30);
        node.Node.TryGetStream("simsvc", out var stream);
        var track = stream!.FindTrack(MediaKind.Video)!;
        log.WriteLine("published: " + BandwidthReport.Rates(track));

        // An open player gets the top encoding; pinned to q it shows q's picture, decoding on; unpinned, the top again.
        await using var relay = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, node.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 0);
        await page.EvaluateAsync("([url, host, port]) => window.play(url, host, port)", new object[] { "/whep/simsvc", "127.0.0.1", relay.EndPoint.Port });
        var subscriber = stream.Subscribers.Single();
        var video = subscriber.Subscriptions.Single(s => s.Kind == MediaKind.Video);
        await page.WaitForFunctionAsync("async () => (await window.stats()).width === 1280", null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 });
        Assert.True(video.TryPin("q"));
        await page.WaitForFunctionAsync("async () => (await window.stats()).width === 320", null, new PageWaitForFunctionOptions { Timeout = 5_000, PollingInterval = 100 });
        var pinned = await ThinPlayer.StatsAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var pinnedFor2 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"q for 2 s: {pinnedFor2.Decoded - pinned.Decoded} frames, {pinnedFor2.Frozen - pinned.Frozen:0.00} s frozen; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.True(pinnedFor2.Decoded - pinned.Decoded >= 2 * 15, $"only {pinnedFor2.Decoded - pinned.Decoded} frames of q decoded in 2 s");
        Assert.True(video.TryPin(null));
        await page.WaitForFunctionAsync("async () => (await window.stats()).width === 1280", null, new PageWaitForFunctionOptions { Timeout = 10_000, PollingInterval = 100 });
    }

    private static async Task<IPage> OpenAsync(ChromiumBrowser chromium, TestNode node)
    {
        var page = await chromium.Browser.NewPageAsync();
        var url = new Uri(node.BaseUri, "/__test/svc.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Page }));
        await page.GotoAsync(url);
        return page;
    }
}
