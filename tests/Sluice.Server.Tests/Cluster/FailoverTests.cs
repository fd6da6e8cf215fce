using System.Globalization;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Cli;
using Sluice.Server.Tests.Support;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// A viewer behind a load balancer in front of two nodes: the node it plays from is killed, and `sluice-cli whep`
/// POSTs again by itself and is back on the other node, receiving the stream, within 3 s.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed partial class FailoverTests(ITestOutputHelper log)
{
    [RedisFact]
    public async Task A_viewer_of_a_killed_node_is_back_on_a_live_node_within_3_seconds()
    {
        Assert.True(Ffmpeg.IsInstalled, "ffmpeg makes the test media");
        var video = TestMedia.Video("VP8");
        await using var redis = await RedisServer.StartAsync();
        await using var origin = await ClusterNodes.StartAsync(redis, "origin");
        await using var a = await StartProcess(redis, "a");
        await using var b = await StartProcess(redis, "b");
        await using var balancer = new TcpBalancer([a.BaseUri, b.BaseUri]);

        var publisher = Support.Cli.RunAsync("whip", new Uri(origin.BaseUri, "/whip/cam").ToString(), "--video", video, "--audio", TestMedia.Opus(), "--loop");
        await Poll.Until(() => origin.Node.TryGetStream("cam", out var s) && s!.Publisher is not null, "the publisher");
        var player = Support.Cli.RunAsync("whep", new Uri(balancer.BaseUri, "/whep/cam").ToString(),
            "--video-out", Path.Combine(TestMedia.TempDirectory(), "out.ivf"), "--duration", "9");

        // Playing through a (the balancer's first choice) for a while, then a dies.
        await Poll.Until(() => origin.Node.TryGetStream("cam", out var s) && s!.Subscribers.Length == 1 && s.Subscribers[0].ReadCounters().Packets > 100,
            "the player's relay through a to carry media");
        await Task.Delay(1000);
        await a.KillAsync();

        var (exit, output) = await player;
        Assert.True(exit == 0, output);
        var reconnected = Reconnected().Match(output);
        Assert.True(reconnected.Success, output);
        var gap = int.Parse(reconnected.Groups[2].Value, CultureInfo.InvariantCulture);
        log.WriteLine($"failover: {reconnected.Value}");
        Assert.True(gap < 3000, $"no media for {gap} ms across the failover: {output}");
        Assert.False(publisher.IsCompleted, "the publisher loops until the test ends");
    }

    internal static Task<NodeProcess> StartProcess(RedisServer redis, string id)
    {
        var http = FreePorts.Tcp();
        return NodeProcess.StartAsync(new Uri($"http://127.0.0.1:{http}/"),
            ["--listen", $"127.0.0.1:{http}", "--udp-port", "0", "--announce-ip", "127.0.0.1", "--Cluster:Redis", redis.ConnectionString,
                "--Cluster:NodeId", id, "--Logging:LogLevel:Default", "Warning"]);
    }

    [GeneratedRegex(@"reconnected (\d+) times, longest gap without media (\d+) ms")]
    private static partial Regex Reconnected();
}
