using System.Net;
using System.Text.Json;
using Sluice.Interop.Tests.GStreamer;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Interop.Tests.Firefox;

/// <summary>
/// Firefox ESR as a VP8 simulcast publisher (its own rid/simulcast offer) and as a subscriber on a thin link: a
/// Firefox player reaching the node through a <see cref="RateLimitedUdpRelay"/> is brought down to the low layer by
/// the node's estimate of its bandwidth (from Firefox's transport-cc feedback) and keeps decoding; opened, it climbs
/// to the top layer.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class FirefoxSimulcastTests(ITestOutputHelper log)
{
    [PeerFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public async Task Firefox_publishes_vp8_simulcast_and_a_firefox_player_behind_a_thin_link_gets_the_low_layer_then_the_top_one()
    {
        await using var node = await FirefoxPeer.StartNodeAsync();
        await using var relay = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, node.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 250_000);
        await using var firefox = FirefoxPeer.Start(node, "ffsim", "ffsim", players: 1, seconds: 60, simulcast: true, relay: relay.EndPoint);
        await firefox.WaitForLineAsync(line => line == "all connected", TimeSpan.FromSeconds(40), "Firefox's publisher and player connected");

        // The node understood Firefox's simulcast offer: three encodings of one track, named by Firefox's rids.
        Assert.True(node.Node.TryGetStream("ffsim", out var stream), "the stream is gone");
        var track = stream!.FindTrack(MediaKind.Video)!;
        Assert.Equal(["q", "h", "f"], track.Encodings.Select(e => e.Rid));
        await Poll.Until(() => track.Encodings.Count(e => e.Bitrate > 0) == 3, () => "Firefox to send all three layers: " + BandwidthReport.Rates(track), timeoutSeconds: 40);
        log.WriteLine("published: " + BandwidthReport.Rates(track));

        // 250 kbit/s: the player is brought down to q and decodes on.
        var subscriber = stream.Subscribers.Single();
        var video = subscriber.Subscriptions.Single(s => s.Kind == MediaKind.Video);
        Assert.NotNull(subscriber.Downlink.Estimator);
        await Poll.Until(() => video.ForwardedEncoding?.Rid == "q", () => "the 250 kbit/s player to get q: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        log.WriteLine("250 kbit/s: " + BandwidthReport.Describe(subscriber, relay, track));

        // (What the relay dropped while the estimate came down takes a keyframe to get over.)
        await Task.Delay(TimeSpan.FromSeconds(3));
        var onQ = await NextStatsAsync(firefox);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var later = await NextStatsAsync(firefox);
        var decoded = Counter(later, "framesDecoded") - Counter(onQ, "framesDecoded");
        log.WriteLine($"q for 5 s: {decoded} frames decoded, {Counter(later, "lost") - Counter(onQ, "lost")} packets lost, width {Counter(later, "width")}; "
            + BandwidthReport.Describe(subscriber, relay, track));
        Assert.Equal("q", video.ForwardedEncoding?.Rid);
        Assert.True(decoded >= 50, $"the player decoded {decoded} frames in 5 s on q\n{firefox.Tail(20)}");

        // 5 Mbit/s: probes find the room and the player climbs to f.
        relay.DownlinkBitsPerSecond = 5_000_000;
        var opened = DateTime.UtcNow;
        await Poll.Until(() => video.ForwardedEncoding?.Rid == "f", () => "the opened player to climb to f: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 20);
        log.WriteLine($"5 Mbit/s: on f {(DateTime.UtcNow - opened).TotalSeconds:0.0} s later; {BandwidthReport.Describe(subscriber, relay, track)}");
        var onF = await NextStatsAsync(firefox);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var top = await NextStatsAsync(firefox);
        Assert.True(Counter(top, "framesDecoded") - Counter(onF, "framesDecoded") >= 30, $"the player stopped decoding on f\n{firefox.Tail(20)}");
        Assert.True(Counter(top, "width") > Counter(later, "width"), $"the player's picture is {Counter(top, "width")} wide on f, {Counter(later, "width")} on q");
    }

    /// <summary>The player's video counters from the next stats line it prints (one a second).</summary>
    private static async Task<JsonElement> NextStatsAsync(PeerProcess firefox)
    {
        var seen = FirefoxPeer.Stats(firefox, "player1").Count;
        await Poll.Until(() => FirefoxPeer.Stats(firefox, "player1").Count > seen, "the player's next stats line", timeoutSeconds: 5);
        return FirefoxPeer.Stats(firefox, "player1")[^1].GetProperty("in-video").Clone();
    }

    private static long Counter(JsonElement video, string name) => video.TryGetProperty(name, out var value) ? value.GetInt64() : 0;
}
