using Microsoft.Playwright;
using Sluice.Interop.Tests.Pion;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Interop.Tests.Cluster;

/// <summary>
/// Three nodes with a real redis-server and peers we did not write: Chromium publishes on node a (the dashboard's
/// publisher), Chromium plays on node b (the dashboard's player) and Pion on node c, each through one relay from a.
/// </summary>
[Collection(PionCollection.Name)]
public sealed class ClusterInteropTests(PionProgram pion)
{
    private const int Seconds = 10;

    [PeerAndChromiumFact(PionProgram.Go, PionProgram.Package)]
    public async Task Chromium_on_one_node_reaches_chromium_and_pion_on_two_others_through_one_relay_each()
    {
        await pion.ExecutableAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var a = await Node(redis, "a");
        await using var b = await Node(redis, "b");
        await using var c = await Node(redis, "c");
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);

        var publisher = await chromium.Browser.NewPageAsync();
        await publisher.GotoAsync(a.BaseUri.ToString());
        await publisher.FillAsync("#stream", "cam");
        await publisher.ClickAsync("#publish");
        await publisher.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connection connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });

        var player = await chromium.Browser.NewPageAsync();
        await player.GotoAsync(b.BaseUri.ToString());
        await player.FillAsync("#stream", "cam");
        await player.ClickAsync("#play");
        await using var subscriber = await pion.SubscribeAsync(new Uri(c.BaseUri, "/whep/cam"), Seconds + 2);

        await player.WaitForFunctionAsync(
            "() => { const v = document.getElementById('video'); return v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 60; }",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        long video = 0, keyframes = 0;
        for (var s = 1; s <= Seconds; s++)
        {
            var line = PeerLine.Parse(await subscriber.WaitForLineAsync(l => PeerLine.IsSecond(l, s), TimeSpan.FromSeconds(15), $"Pion's second {s}"));
            keyframes += line.Number("keyframes");
            if (s < 3)
            {
                continue;
            }

            Assert.True(line["state"] == "connected", $"Pion not connected in second {s}: {line}\n{subscriber.Tail(20)}");
            video += line.Number("video_packets");
            Assert.True(line.Number("audio_packets") > 0, $"no audio at Pion in second {s}: {line}");
        }

        Assert.True(video > 300, $"Pion got {video} video packets through the relay; " + Downlinks(c));
        Assert.True(keyframes >= 1, "Pion got a keyframe through the relay (Chromium sends one when asked: the relay's PLI reached it)");

        // b's dashboard shows its stream's publisher as a relay from a.
        var relayed = await player.WaitForSelectorAsync("span.cascade", new PageWaitForSelectorOptions { Timeout = 10_000 });
        Assert.StartsWith($"relay from {new Uri(a.BaseUri, "/whep/cam")}", await relayed!.TextContentAsync(), StringComparison.Ordinal);

        // One relay per node: a serves two sessions (b's and c's), each node's stream is fed by a relay.
        Assert.True(a.Node.TryGetStream("cam", out var onA) && onA!.Subscribers.Length == 2, $"a has {onA?.Subscribers.Length} subscriber sessions");
        foreach (var node in new[] { b, c })
        {
            Assert.True(node.Node.TryGetStream("cam", out var stream) && stream!.Publisher is { Cascade.IsRelay: true }, "the stream is relayed");
        }
    }

    /// <summary>What a node's subscribers' bandwidth estimates say, for failure messages.</summary>
    private static string Downlinks(TestNode node) =>
        string.Join("; ", node.Node.Rooms.SelectMany(r => r.Subscribers).Select(BandwidthReport.Estimate));

    private static Task<TestNode> Node(RedisServer redis, string id) =>
        TestNode.StartAsync("--Cluster:Redis", redis.ConnectionString, "--Cluster:NodeId", id);
}
