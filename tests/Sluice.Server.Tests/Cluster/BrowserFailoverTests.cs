using Microsoft.Playwright;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// The dashboard's player behind a load balancer in front of two nodes: the node it plays from is killed, and the
/// page POSTs again by itself, landing on the other node, where the video goes on.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class BrowserFailoverTests(ITestOutputHelper log)
{
    [ChromiumFact]
    public async Task The_dashboard_player_comes_back_on_a_live_node_when_its_node_dies()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var origin = await ClusterNodes.StartAsync(redis, "origin");
        await using var a = await FailoverTests.StartProcess(redis, "a");
        await using var b = await FailoverTests.StartProcess(redis, "b");
        await using var balancer = new TcpBalancer([a.BaseUri, b.BaseUri]);
        await using var chromium = await Chromium.StartAsync();

        var publisher = await chromium.Browser.NewPageAsync();
        await publisher.GotoAsync(origin.BaseUri.ToString());
        await publisher.FillAsync("#stream", "cam");
        await publisher.ClickAsync("#publish");
        await publisher.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connection connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });

        var player = await chromium.Browser.NewPageAsync();
        await player.GotoAsync(balancer.BaseUri.ToString());
        await player.FillAsync("#stream", "cam");
        await player.ClickAsync("#play");
        const string Frames = "() => document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames";
        await player.WaitForFunctionAsync($"() => ({Frames})() > 30", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        await player.EvaluateAsync(@"() => {
            window.states = [];
            const t0 = performance.now();
            new MutationObserver(() => window.states.push(Math.round(performance.now() - t0) + ' ms ' + document.getElementById('status').textContent))
                .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
        }");
        await a.KillAsync();
        var killed = DateTime.UtcNow;
        var before = await player.EvaluateAsync<int>($"({Frames})()");

        // Frames stop while the page notices and reconnects, then go on from the other node.
        await player.WaitForFunctionAsync("() => document.getElementById('status').textContent !== 'connection connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });
        await player.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connection connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });
        await player.WaitForFunctionAsync($"() => ({Frames})() > {before + 1}", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 20 });
        var firstFrame = DateTime.UtcNow - killed;
        await player.WaitForFunctionAsync($"() => ({Frames})() > {before + 30}", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        log.WriteLine($"first new frame decoded {firstFrame.TotalSeconds:0.0} s after the kill");
        log.WriteLine(string.Join("; ", await player.EvaluateAsync<string[]>("() => window.states")));
        log.WriteLine($"the page played again {(DateTime.UtcNow - killed).TotalSeconds:0.0} s after its node was killed (30 new frames decoded)");
        // The dead node's relay session on the origin ends once that node has left the registry, not 30 s later.
        await Poll.Until(() => origin.Node.TryGetStream("cam", out var stream) && stream!.Subscribers.Length == 1, "one relay left on the origin, to b", timeoutSeconds: 6);
    }
}
