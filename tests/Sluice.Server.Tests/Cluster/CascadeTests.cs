using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Sluice.Server.Tests.Cli;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Testing;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// live777's cascade between two real nodes: a pull (B subscribes to A's WHEP endpoint and becomes the stream's
/// publisher) and a push (A publishes its stream to B's WHIP endpoint), through the API and through configuration,
/// carrying every frame unchanged; bad requests and unreachable servers answered with their reason.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class CascadeTests
{
    [FfmpegFact]
    public async Task A_pull_through_the_api_carries_identical_frames_and_its_delete_ends_the_remote_session()
    {
        var video = TestMedia.Video("VP8");
        var audio = TestMedia.Opus();
        var output = TestMedia.TempDirectory();
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync();

        var subscriber = Support.Cli.RunAsync("whep", new Uri(b.BaseUri, "/whep/cam").ToString(),
            "--video-out", Path.Combine(output, "out.ivf"), "--audio-out", Path.Combine(output, "out.opus"), "--duration", "8");
        await Poll.Until(() => b.Node.TryGetStream("cam", out var s) && s!.Subscribers.Length == 1, "the subscriber on b");

        var source = new Uri(a.BaseUri, "/whep/cam");
        using var created = await b.Http.PostAsJsonAsync("/api/cascade/cam", new { sourceUrl = source.ToString() });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var session = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var cascade = session.RootElement.GetProperty("cascade");
        Assert.Equal(source.ToString(), cascade.GetProperty("sourceUrl").GetString());
        Assert.Equal("publisher", session.RootElement.GetProperty("role").GetString());
        var remoteSession = cascade.GetProperty("sessionUrl").GetString()!;
        Assert.StartsWith(new Uri(a.BaseUri, "/session/cam/").ToString(), remoteSession, StringComparison.Ordinal);

        // Connected before anything is published on a: the relay's subscriber session on a waits like any other.
        await Poll.Until(() => b.Node.TryGetStream("cam", out var s) && s!.Publisher?.State == Rtc.Transport.TransportState.Connected, "the cascade to connect");
        Assert.True(a.Node.TryGetStream("cam", out var onA) && onA!.Subscribers.Length == 1);

        var (published, publishOutput) = await Support.Cli.RunAsync("whip", new Uri(a.BaseUri, "/whip/cam").ToString(), "--video", video, "--audio", audio);
        var (subscribed, subscribeOutput) = await subscriber;
        Assert.True(published == 0, publishOutput);
        Assert.True(subscribed == 0, subscribeOutput);

        var sent = CliRoundTripTests.IvfFrames(video);
        var saved = CliRoundTripTests.IvfFrames(Path.Combine(output, "out.ivf"));
        Assert.Equal(sent.Count, saved.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].SequenceEqual(saved[i]), $"frame {i} differs after the cascade");
        }

        Assert.Equal(CliRoundTripTests.OpusPackets(audio).Count, CliRoundTripTests.OpusPackets(Path.Combine(output, "out.opus")).Count);

        // The stream lists the cascade as its publisher; deleting it there ends the session on a too.
        using var listed = JsonDocument.Parse(await b.Http.GetStringAsync("/api/streams/cam"));
        var publisher = listed.RootElement.GetProperty("publisher");
        Assert.Equal(remoteSession, publisher.GetProperty("cascade").GetProperty("sessionUrl").GetString());
        Assert.False(publisher.GetProperty("cascade").GetProperty("relay").GetBoolean());
        using var deleted = await b.Http.DeleteAsync($"/api/streams/cam/sessions/{publisher.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Poll.Until(() => !a.Node.TryGetStream("cam", out var s) || s!.Subscribers.IsEmpty, "the remote session on a to be deleted");
    }

    [FfmpegFact]
    public async Task A_push_through_the_api_carries_the_stream_from_the_next_keyframe_unchanged()
    {
        var video = TestMedia.Video("VP8");
        var output = TestMedia.TempDirectory();
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync();

        using var early = await a.Http.PostAsJsonAsync("/api/cascade/cam", new { targetUrl = new Uri(b.BaseUri, "/whip/cam").ToString() });
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Contains("no publisher", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var subscriber = Support.Cli.RunAsync("whep", new Uri(b.BaseUri, "/whep/cam").ToString(), "--video-out", Path.Combine(output, "out.ivf"), "--duration", "8");
        await Poll.Until(() => b.Node.TryGetStream("cam", out var s) && s!.Subscribers.Length == 1, "the subscriber on b");
        var publisher = Support.Cli.RunAsync("whip", new Uri(a.BaseUri, "/whip/cam").ToString(), "--video", video);
        await Poll.Until(() => a.Node.TryGetStream("cam", out var s) && !s!.PublishedTracks.IsEmpty, "the publisher on a");

        using var created = await a.Http.PostAsJsonAsync("/api/cascade/cam", new { targetUrl = new Uri(b.BaseUri, "/whip/cam").ToString() });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var session = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal("subscriber", session.RootElement.GetProperty("role").GetString());
        Assert.Equal(new Uri(b.BaseUri, "/whip/cam").ToString(), session.RootElement.GetProperty("cascade").GetProperty("targetUrl").GetString());

        Assert.Equal(0, (await publisher).Exit);
        var (subscribed, subscribeOutput) = await subscriber;
        Assert.True(subscribed == 0, subscribeOutput);

        // b's player starts at a keyframe the push delivered: what it saved is the end of the file, frame for frame.
        var sent = CliRoundTripTests.IvfFrames(video);
        var saved = CliRoundTripTests.IvfFrames(Path.Combine(output, "out.ivf"));
        Assert.InRange(saved.Count, 30, sent.Count);
        var offset = sent.Count - saved.Count;
        for (var i = 0; i < saved.Count; i++)
        {
            Assert.True(sent[offset + i].SequenceEqual(saved[i]), $"frame {offset + i} differs after the push");
        }
    }

    [Fact]
    public async Task Bad_cascade_requests_are_refused_with_their_reason_and_leave_nothing_behind()
    {
        await using var b = await TestNode.StartAsync();
        await Refused(b, new { }, HttpStatusCode.BadRequest, "give sourceUrl");
        await Refused(b, new { sourceUrl = "http://127.0.0.1:1/whep/x", targetUrl = "http://127.0.0.1:1/whip/x" }, HttpStatusCode.BadRequest, "not both");
        await Refused(b, new { sourceUrl = "ftp://127.0.0.1/whep/x" }, HttpStatusCode.BadRequest, "scheme must be whep");
        await Refused(b, new { sourceUrl = "not a url" }, HttpStatusCode.BadRequest, "not an absolute URL");
        using (var notJson = await b.Http.PostAsync("/api/cascade/cam", new StringContent("{", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        }

        // Nothing listens there: the reason names the URL, and nothing is left on the node (and nothing retries).
        var closed = ClosedPort();
        await Refused(b, new { sourceUrl = $"whep://secret@127.0.0.1:{closed}/whep/x" }, HttpStatusCode.BadGateway, $"http://127.0.0.1:{closed}/whep/x");
        Assert.False(b.Node.TryGetStream("cam", out _));
    }

    [Fact]
    public async Task A_configured_pull_starts_with_the_node_and_comes_back_after_the_upstream_node_restarts()
    {
        var port = FreePorts.Tcp();
        var a = await TestNode.StartAsync("--listen", $"127.0.0.1:{port}");
        await using var b = await TestNode.StartAsync("--Streams:cam:Source", $"whep://127.0.0.1:{port}/whep/cam");
        await Poll.Until(() => Cascade(b) is { State: Rtc.Transport.TransportState.Connected }, "the configured cascade to connect");
        var first = Cascade(b)!;
        Assert.Equal(CascadeDirection.Pull, first.Cascade!.Direction);

        await a.DisposeAsync();
        await Poll.Until(() => Cascade(b) is null, "the cascade to end with the upstream node");

        // Retried after 5 s: a is back on the same address by then.
        a = await TestNode.StartAsync("--listen", $"127.0.0.1:{port}");
        await using (a)
        {
            await Poll.Until(() => Cascade(b) is { State: Rtc.Transport.TransportState.Connected } again && again != first, "the cascade to come back", timeoutSeconds: 20);
            Assert.True(a.Node.TryGetStream("cam", out var onA) && onA!.Subscribers.Length == 1);
        }
    }

    [FfmpegFact]
    public async Task A_configured_push_starts_with_a_publisher_and_comes_back_after_the_downstream_node_restarts()
    {
        var port = FreePorts.Tcp();
        var b = await TestNode.StartAsync("--listen", $"127.0.0.1:{port}");
        await using var a = await TestNode.StartAsync("--Streams:cam:Targets:0", $"whip://127.0.0.1:{port}/whip/cam");

        // Nothing is pushed before a has a publisher; then the push makes b's publisher.
        await Task.Delay(500);
        Assert.False(b.Node.TryGetStream("cam", out _));
        var publisher = Support.Cli.RunAsync("whip", new Uri(a.BaseUri, "/whip/cam").ToString(), "--video", TestMedia.LongVp8(), "--loop");
        await Poll.Until(() => Push(a) is { State: Rtc.Transport.TransportState.Connected }, "the configured push to connect");
        await Poll.Until(() => b.Node.TryGetStream("cam", out var s) && s!.Publisher is { } p && p.ReadCounters().Packets > 0, "b to receive the pushed stream");
        var first = Push(a);

        await b.DisposeAsync();
        await Poll.Until(() => Push(a) != first, "the push to end with the downstream node");
        b = await TestNode.StartAsync("--listen", $"127.0.0.1:{port}");
        await using (b)
        {
            await Poll.Until(() => b.Node.TryGetStream("cam", out var s) && s!.Publisher is { } p && p.ReadCounters().Packets > 0,
                "the push to come back to the restarted node", timeoutSeconds: 20);
        }

        Assert.False(publisher.IsCompleted);
    }

    private static Sfu.Sessions.SfuSession? Push(TestNode node) =>
        node.Node.TryGetStream("cam", out var stream) ? stream!.Subscribers.FirstOrDefault(s => s.Cascade is { Direction: CascadeDirection.Push }) : null;

    private static Sfu.Sessions.SfuSession? Cascade(TestNode node) =>
        node.Node.TryGetStream("cam", out var stream) && stream!.Publisher is { Cascade: not null } publisher ? publisher : null;

    private static async Task Refused(TestNode node, object body, HttpStatusCode status, string reason)
    {
        using var response = await node.Http.PostAsJsonAsync("/api/cascade/cam", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        Assert.Contains(reason, text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }


    private static int ClosedPort() => FreePorts.Tcp();
}
