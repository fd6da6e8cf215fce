using System.Net;
using Microsoft.Playwright;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// A viewer on a thin link on another node than the publisher: Chromium publishes VP8 simulcast (q, h, f) to node a,
/// the relay to node b carries all three encodings (a's relay session sends each on SSRCs of its own), and b chooses
/// for its own viewers: one behind a 400 kbit/s relay gets the lowest, one on an open link the highest.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ClusterBandwidthTests(ITestOutputHelper log)
{
    private const string Page = """
        <!doctype html>
        <title>sluice cluster bandwidth test</title>
        <script>
        """ + BrowserPages.SimulcastPublishJs + BrowserPages.ThinPlayerJs + RateLimitedUdpRelay.CandidateRewriteJs + """
        </script>
        """;

    [ChromiumFact]
    public async Task A_thin_viewer_on_another_node_gets_the_low_layer_because_the_relay_carries_every_encoding()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using var b = await ClusterNodes.StartAsync(redis, "b");
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);

        var publisher = await OpenAsync(chromium, a);
        await publisher.EvaluateAsync("([url, codec]) => window.publish(url, true, codec)", new object[] { "/whip/far", "VP8" });
        await Poll.Until(() => a.Node.TryGetStream("far", out var s) && s!.FindTrack(MediaKind.Video) is { Encodings.Length: 3 } t
            && t.Encodings.All(e => e.Bitrate > 0), "a to receive all three layers", timeoutSeconds: 20);

        // The thin viewer on b: b relays the stream from a, every encoding of it.
        await using var relay = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, b.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 400_000);
        var thin = await OpenAsync(chromium, b);
        await thin.EvaluateAsync("([url, host, port]) => window.play(url, host, port)", new object[] { "/whep/far", "127.0.0.1", relay.EndPoint.Port });
        await Poll.Until(() => b.Node.TryGetStream("far", out var s) && s!.FindTrack(MediaKind.Video) is { Encodings.Length: 3 } t
            && t.Encodings.All(e => e.Bitrate > 0), () => "b to receive all three layers from a: " + Layers(b), timeoutSeconds: 20);
        a.Node.TryGetStream("far", out var atA);
        var relaySession = Assert.Single(atA!.Subscribers);
        Assert.Equal(3, relaySession.Subscriptions.Count(s => s.Kind == MediaKind.Video));
        Assert.All(relaySession.Subscriptions.Where(s => s.Kind == MediaKind.Video), s => Assert.True(s.PacketsSent > 0, $"nothing sent on {s.Ssrc}"));

        b.Node.TryGetStream("far", out var atB);
        var track = atB!.FindTrack(MediaKind.Video)!;
        var viewer = atB.Subscribers.Single(s => s.Cascade is null);
        var video = viewer.Subscriptions.Single(s => s.Kind == MediaKind.Video);
        var lowest = track.Encodings.MinBy(e => e.Width)!;
        log.WriteLine("b relays: " + BandwidthReport.Rates(track));
        await thin.WaitForFunctionAsync("async () => (await window.stats()).decoded > 0", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 });
        await Poll.Until(() => video.ForwardedEncoding == lowest, () => "b's thin viewer to get the lowest layer: " + BandwidthReport.Describe(viewer, relay, track), timeoutSeconds: 15);
        await thin.WaitForFunctionAsync("async () => (await window.stats()).width === 320", null, new PageWaitForFunctionOptions { Timeout = 5_000, PollingInterval = 100 });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var settled = await ThinPlayer.StatsAsync(thin);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var held = await ThinPlayer.StatsAsync(thin);
        log.WriteLine($"thin viewer on b for 4 s: {held.Decoded - settled.Decoded} frames, {held.Frozen - settled.Frozen:0.00} s frozen; {BandwidthReport.Describe(viewer, relay, track)}");
        Assert.Equal(lowest, video.ForwardedEncoding);
        Assert.True(held.Decoded - settled.Decoded >= 4 * 10, $"only {held.Decoded - settled.Decoded} frames decoded in 4 s on the lowest layer");
        Assert.True(held.Frozen - settled.Frozen < 1.0, $"frozen for {held.Frozen - settled.Frozen:0.00} s in 4 s");

        // An open viewer on b meanwhile gets the top layer from the same relay.
        await using var open = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, b.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 0);
        var wide = await OpenAsync(chromium, b);
        await wide.EvaluateAsync("([url, host, port]) => window.play(url, host, port)", new object[] { "/whep/far", "127.0.0.1", open.EndPoint.Port });
        await wide.WaitForFunctionAsync("async () => (await window.stats()).width === 1280", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 });
        Assert.Single(atA.Subscribers);
        Assert.Equal(lowest, video.ForwardedEncoding);
    }

    private static async Task<IPage> OpenAsync(ChromiumBrowser chromium, TestNode node)
    {
        var page = await chromium.Browser.NewPageAsync();
        var url = new Uri(node.BaseUri, "/__test/cluster-bandwidth.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Page }));
        await page.GotoAsync(url);
        return page;
    }

    private static string Layers(TestNode node) =>
        node.Node.TryGetStream("far", out var s) && s!.FindTrack(MediaKind.Video) is { } t ? BandwidthReport.Rates(t) : "no track yet";
}
