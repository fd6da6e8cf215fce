using System.Net;
using System.Text.Json;
using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;
using Sluice.Testing;
using static Sluice.Server.Tests.Admin.AdminClient;

namespace Sluice.Server.Tests.Admin;

/// <summary>The admin API against real sessions: what it lists, and what create, delete and kick do to the node.</summary>
public sealed class AdminApiTests
{
    [Fact]
    public async Task A_published_and_subscribed_stream_is_listed_with_its_sessions_and_moving_counters()
    {
        await using var node = await TestNode.StartAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/listed"), ssrc: 0x1234);
        using var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/listed"));
        using var publishing = new CancellationTokenSource();
        var frames = PublishFramesAsync(publisher, publishing.Token);
        try
        {
            await Poll.Until(() => subscriber.Received.Count > 10, "frames to reach the subscriber");

            var list = await GetJsonAsync(node.Http, "/api/streams");
            var stream = Assert.Single(list.EnumerateArray().ToArray());
            Assert.Equal("listed", stream.GetProperty("id").GetString());
            Assert.True(stream.GetProperty("createdAt").TryGetDateTimeOffset(out _));

            var published = stream.GetProperty("publisher");
            Assert.Equal(SessionId(publisher), published.GetProperty("id").GetString());
            Assert.Equal("publisher", published.GetProperty("role").GetString());
            Assert.Equal("connected", published.GetProperty("state").GetString());
            Assert.Equal(publisher.Mux.LocalEndPoint.ToString(), published.GetProperty("remoteAddress").GetString());
            Assert.Equal(["video/VP8"], published.GetProperty("codecs").EnumerateArray().Select(c => c.GetString()));
            Assert.True(published.GetProperty("connectedSince").TryGetDateTimeOffset(out _));
            Assert.True(published.Long("packets") > 0, published.ToString());
            Assert.Equal(0, published.Long("packetsLost"));

            var subscribed = Assert.Single(stream.Subscribers());
            Assert.Equal(SessionId(subscriber), subscribed.GetProperty("id").GetString());
            Assert.Equal("subscriber", subscribed.GetProperty("role").GetString());
            Assert.Equal("connected", subscribed.GetProperty("state").GetString());
            Assert.Equal(subscriber.Mux.LocalEndPoint.ToString(), subscribed.GetProperty("remoteAddress").GetString());
            Assert.True(subscribed.Long("packets") > 0, subscribed.ToString());
            foreach (var name in (string[])["bitrateIn", "bitrateOut", "nacks", "plis"])
            {
                Assert.Equal(JsonValueKind.Number, subscribed.GetProperty(name).ValueKind);
            }

            // The counters move with the media, and the next stats ticks turn bytes into bitrates both ways.
            var before = (Publisher: published.Long("packets"), Subscriber: subscribed.Long("packets"));
            var later = await WaitStreamAsync(node.Http, "listed", s =>
                s.GetProperty("publisher").Long("packets") > before.Publisher && s.Subscribers()[0].Long("packets") > before.Subscriber
                && s.GetProperty("publisher").Long("bitrateIn") > 0 && s.Subscribers()[0].Long("bitrateOut") > 0,
                "packet counters and bitrates to move", timeoutSeconds: 15);

            // About 30 frames of 3 × 214 bytes per second plus SRTP: tens of kbit/s, not bits or gigabits.
            var rate = later.GetProperty("publisher").Long("bitrateIn");
            Assert.InRange(rate, 50_000, 1_000_000);
        }
        finally
        {
            await publishing.CancelAsync();
            await frames;
        }
    }

    [Fact]
    public async Task A_created_stream_waits_empty_until_deleted_and_deleting_ends_its_sessions()
    {
        await using var node = await TestNode.StartAsync();

        using var created = await node.Http.PostAsync("/api/streams/lobby", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("lobby", body.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("publisher").ValueKind);
        Assert.Empty(body.Subscribers());

        await AssertProblemAsync(await node.Http.PostAsync("/api/streams/lobby", null), HttpStatusCode.Conflict);

        // A subscriber comes and goes: the stream stays, because an operator made it.
        var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/lobby"));
        Assert.Single((await StreamAsync(node.Http, "lobby")).Subscribers());
        Assert.Equal(HttpStatusCode.OK, (await node.Http.DeleteAsync(subscriber.Location)).StatusCode);
        subscriber.Dispose();
        Assert.Empty((await StreamAsync(node.Http, "lobby")).Subscribers());

        // Deleting it with sessions in it ends each one: the peers get close_notify.
        using var waiting = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/lobby"));
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/lobby"), ssrc: 42);
        var waitingClosed = Await.State(waiting.Transport, TransportState.Closed);
        var publisherClosed = Await.State(publisher.Transport, TransportState.Closed);

        using var deleted = await node.Http.DeleteAsync("/api/streams/lobby");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Await.WithTimeout(waitingClosed, TimeSpan.FromSeconds(5), "the subscriber's close_notify");
        await Await.WithTimeout(publisherClosed, TimeSpan.FromSeconds(5), "the publisher's close_notify");
        Assert.False(node.Node.TryGetStream("lobby", out _));
        await AssertProblemAsync(await node.Http.GetAsync("/api/streams/lobby"), HttpStatusCode.NotFound);
        Assert.Equal("[]", (await GetJsonAsync(node.Http, "/api/streams")).ToString());
    }

    [Fact]
    public async Task Kicking_a_subscriber_ends_only_that_session()
    {
        await using var node = await TestNode.StartAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/kick"), ssrc: 7);
        using var kicked = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/kick"));
        using var stays = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/kick"));
        using var publishing = new CancellationTokenSource();
        var frames = PublishFramesAsync(publisher, publishing.Token);
        try
        {
            var closed = Await.State(kicked.Transport, TransportState.Closed);
            using var response = await node.Http.DeleteAsync($"/api/streams/kick/sessions/{SessionId(kicked)}");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

            await Await.WithTimeout(closed, TimeSpan.FromSeconds(5), "the kicked subscriber's close_notify");
            Assert.False(node.Node.TryGetSession("kick", SessionId(kicked), out _));
            var stream = await StreamAsync(node.Http, "kick");
            Assert.Equal(SessionId(stays), Assert.Single(stream.Subscribers()).GetProperty("id").GetString());
            Assert.Equal(SessionId(publisher), stream.GetProperty("publisher").GetProperty("id").GetString());

            // The one that stayed still receives.
            var received = stays.Received.Count;
            await Poll.Until(() => stays.Received.Count > received + 10, "media to keep reaching the remaining subscriber");
            Assert.Equal(TransportState.Connected, publisher.Transport.State);

            await AssertProblemAsync(await node.Http.DeleteAsync($"/api/streams/kick/sessions/{SessionId(kicked)}"), HttpStatusCode.NotFound);
        }
        finally
        {
            await publishing.CancelAsync();
            await frames;
        }
    }

    [Fact]
    public async Task Unknown_streams_and_sessions_are_404_problems_and_bad_names_400()
    {
        await using var node = await TestNode.StartAsync();
        await AssertProblemAsync(await node.Http.GetAsync("/api/streams/nowhere"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await node.Http.DeleteAsync("/api/streams/nowhere"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await node.Http.DeleteAsync("/api/streams/nowhere/sessions/0123456789abcdef"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await node.Http.PostAsync("/api/streams/" + Uri.EscapeDataString("bad name!"), null), HttpStatusCode.BadRequest);

        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync("/api/streams/here", null)).StatusCode);
        await AssertProblemAsync(await node.Http.DeleteAsync("/api/streams/here/sessions/0123456789abcdef"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Info_names_the_version_build_uptime_and_media_endpoint()
    {
        await using var node = await TestNode.StartAsync();
        var info = await GetJsonAsync(node.Http, "/api/info");

        Assert.Matches(@"^\d+\.\d+\.\d+", info.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("build").GetString()));
        Assert.InRange(info.Long("uptimeSeconds"), 0, 60);
        var port = node.Node.Mux.LocalEndPoint.Port;
        Assert.EndsWith(":" + port, info.GetProperty("mediaEndpoint").GetString(), StringComparison.Ordinal);
        Assert.Equal(["127.0.0.1:" + port], info.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(0, info.Long("streams"));
    }
}
