using System.Net;
using System.Text.Json;
using Sluice.Server.Tests.Cli;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Testing;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// Three nodes and a real redis-server: a stream published on one node is played on the others through one relay
/// per node, frame for frame; a second publisher anywhere is refused; a Redis outage refuses what needs the
/// directory and leaves live sessions forwarding.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class ClusterRelayTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [RedisFact]
    public async Task A_stream_published_on_one_node_plays_on_the_others_through_one_relay_per_node()
    {
        Assert.True(Ffmpeg.IsInstalled, "ffmpeg makes the test media");
        var video = TestMedia.Video("VP8");
        var audio = TestMedia.Opus();
        var output = TestMedia.TempDirectory();
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using var b = await ClusterNodes.StartAsync(redis, "b");
        await using var c = await ClusterNodes.StartAsync(redis, "c");
        await Poll.Until(() => ClusterNodes.CountAsync(a).Result == 3, "the three nodes to register");

        // Players first, on b and c: nothing is published yet, so they wait; the publisher's arrival on a reaches
        // their nodes as an event, and each node opens one relay for its players.
        var players = new List<Task<(int Exit, string Output)>>();
        foreach (var (node, name) in new[] { (b, "b1"), (b, "b2"), (c, "c1") })
        {
            players.Add(Support.Cli.RunAsync("whep", new Uri(node.BaseUri, "/whep/cam").ToString(),
                "--video-out", Path.Combine(output, name + ".ivf"), "--duration", "8"));
        }

        await Poll.Until(() => b.Node.TryGetStream("cam", out var s) && s!.Subscribers.Length == 2 && c.Node.TryGetStream("cam", out var t) && t!.Subscribers.Length == 1,
            "the players on b and c");
        var publisher = Support.Cli.RunAsync("whip", new Uri(a.BaseUri, "/whip/cam").ToString(), "--video", video, "--audio", audio);
        await Poll.Until(() => a.Node.TryGetStream("cam", out var s) && s!.Subscribers.Length == 2, "one relay session per node on a");

        // The relay is the stream's publisher on b, listed as a relay.
        using (var stream = JsonDocument.Parse(await b.Http.GetStringAsync("/api/streams/cam")))
        {
            var cascade = stream.RootElement.GetProperty("publisher").GetProperty("cascade");
            Assert.True(cascade.GetProperty("relay").GetBoolean());
            Assert.Equal(new Uri(a.BaseUri, "/whep/cam?relay=b").ToString(), cascade.GetProperty("sourceUrl").GetString());
        }

        // A second publisher on another node: refused, naming where the stream is.
        using (var second = await c.Http.PostAsync("/whip/cam", Offers.Sdp(Offers.Publish(new Rtc.Sdp.RtpCodec(96, "VP8", 90000)))))
        {
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Contains("node a", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (published, publishOutput) = await publisher;
        Assert.True(published == 0, publishOutput);
        foreach (var player in players)
        {
            var (exit, text) = await player;
            Assert.True(exit == 0, text);
        }

        // The relays open once the publisher is there, so each player starts at the file's second keyframe (frame
        // 30, 1 s in) at the latest; from there every frame is the file's.
        var sent = CliRoundTripTests.IvfFrames(video);
        foreach (var name in new[] { "b1", "b2", "c1" })
        {
            var saved = CliRoundTripTests.IvfFrames(Path.Combine(output, name + ".ivf"));
            Assert.True(saved.Count >= sent.Count - 30, $"{name} saved {saved.Count} of {sent.Count} frames");
            Assert.True(sent.Skip(sent.Count - saved.Count).Zip(saved).All(p => p.First.SequenceEqual(p.Second)), $"{name}: a frame differs after the relay");
        }

        // The relays ended with the stream (and would with the last player on their node).
        await Poll.Until(() => !a.Node.TryGetStream("cam", out var s) || s!.Subscribers.IsEmpty, "the relays to end with their players");

        // A player that comes while the stream is live finds it through the directory.
        var longVideo = TestMedia.LongVp8();
        var live = Support.Cli.RunAsync("whip", new Uri(a.BaseUri, "/whip/cam").ToString(), "--video", longVideo);
        await Poll.Until(() => a.Node.TryGetStream("cam", out var s) && s!.Publisher is not null, "the second publisher on a");
        var (late, lateOutput) = await Support.Cli.RunAsync("whep", new Uri(c.BaseUri, "/whep/cam").ToString(),
            "--video-out", Path.Combine(output, "late.ivf"), "--duration", "3");
        Assert.True(late == 0, lateOutput);
        Assert.InRange(CliRoundTripTests.IvfFrames(Path.Combine(output, "late.ivf")).Count, 30, 200);
        Assert.Equal(0, (await live).Exit);
    }

    [RedisFact]
    public async Task Without_redis_a_lookup_fails_with_503_a_live_stream_goes_on_and_the_directory_comes_back_with_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using var b = await ClusterNodes.StartAsync(redis, "b");
        await Poll.Until(() => ClusterNodes.CountAsync(a).Result == 2, "a and b to register");
        using (var published = await a.Http.PostAsync("/whip/live", Offers.Sdp(Offers.Publish(new Rtc.Sdp.RtpCodec(96, "VP8", 90000)))))
        {
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        }

        await redis.StopAsync();
        using var refused = await a.Http.PostAsync("/whep/elsewhere", Offers.Sdp(Offers.Play()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("Redis", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A stream with its publisher here needs no lookup.
        using var local = await a.Http.PostAsync("/whep/live", Offers.Sdp(Offers.Play()));
        Assert.Equal(HttpStatusCode.Created, local.StatusCode);

        // Redis comes back empty (no persistence): the nodes write their entries and streams again, and b finds a's.
        await redis.RestartAsync();
        await Poll.Until(() => ClusterNodes.CountAsync(b).Result == 2, "a and b to register again", timeoutSeconds: 20);
        await Poll.Until(async () =>
        {
            using var played = await b.Http.PostAsync("/whep/live", Offers.Sdp(Offers.Play()));
            return played.StatusCode == HttpStatusCode.Created && b.Node.TryGetStream("live", out var s) && s!.Publisher is { Cascade.IsRelay: true };
        }, "b to relay a's stream after the restart", timeoutSeconds: 10);
    }

    [RedisFact]
    public async Task A_new_publisher_is_announced_to_the_other_nodes_within_100_ms_and_a_waiting_node_relays_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using var b = await ClusterNodes.StartAsync(redis, "b");
        await Poll.Until(() => ClusterNodes.CountAsync(a).Result == 2, "a and b to register");
        using (var waiting = await b.Http.PostAsync("/whep/news", Offers.Sdp(Offers.Play())))
        {
            Assert.Equal(HttpStatusCode.Created, waiting.StatusCode);
        }

        await using var listener = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var announced = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.GetSubscriber().SubscribeAsync(Server.Cluster.ClusterDirectory.Channel, (_, message) =>
        {
            if (message.ToString().Contains("\"stream-started\"", StringComparison.Ordinal) && message.ToString().Contains("\"news\"", StringComparison.Ordinal))
            {
                announced.TrySetResult(DateTime.UtcNow);
            }
        });

        using var published = await a.Http.PostAsync("/whip/news", Offers.Sdp(Offers.Publish(new Rtc.Sdp.RtpCodec(96, "VP8", 90000))));
        var answered = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        var heard = await announced.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.InRange(heard - answered, TimeSpan.FromMilliseconds(-1000), TimeSpan.FromMilliseconds(100));

        // b had a player waiting: it opens a relay from a on the event, without any lookup of its own.
        await Poll.Until(() => b.Node.TryGetStream("news", out var s) && s!.Publisher is { Cascade.IsRelay: true }, "b to relay the new stream", timeoutSeconds: 2);
        log.WriteLine($"announced {(heard - answered).TotalMilliseconds:0.0} ms after a's 201; b's relay session made {(DateTime.UtcNow - answered).TotalMilliseconds:0} ms after it (polled every 20 ms)");
    }


}
