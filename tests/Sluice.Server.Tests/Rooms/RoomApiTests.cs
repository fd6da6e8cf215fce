using System.Net;
using System.Text.Json;
using Sluice.Rtc.Sdp;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// Sluice's own room API: who is in a room, with their sessions and tracks; kicking a person (all of their
/// sessions); ending a room; and the room list as server-sent events.
/// </summary>
public sealed class RoomApiTests
{
    private static readonly string PublisherOffer = Offers.Publish(new RtpCodec(96, "VP8", 90000));

    [Fact]
    public async Task Rooms_list_people_with_their_sessions_and_a_kick_ends_all_of_a_persons_sessions()
    {
        await using var node = await TestNode.StartAsync();
        using var events = await OpenEventsAsync(node);
        Assert.Equal(0, (await events.NextAsync()).Data.GetArrayLength());

        await Join(node, "/pub/team/ann+1", PublisherOffer);
        await Join(node, "/pub/team/ann-screen+1", PublisherOffer);
        await Join(node, "/sub/team/ann+1", Offers.Play());
        await Join(node, "/pub/team/bob+7", PublisherOffer);
        await events.WaitForAsync(rooms => rooms.GetArrayLength() == 1 && rooms[0].GetProperty("participants").GetArrayLength() == 2, "ann and bob in the feed");
        var metrics = await Metrics.MetricsTests.Scrape(node);
        Assert.Equal(1, metrics.Value("sluice_rooms"));
        Assert.Equal(2, metrics.Value("sluice_participants"));
        Assert.Equal(3, metrics.Value("sluice_publishers"));
        Assert.Equal(1, metrics.Value("sluice_subscribers"));

        using (var rooms = JsonDocument.Parse(await node.Http.GetStringAsync("/api/rooms")))
        {
            var team = Assert.Single(rooms.RootElement.EnumerateArray().ToList());
            Assert.Equal("team", team.GetProperty("id").GetString());
            var people = team.GetProperty("participants").EnumerateArray().ToList();
            Assert.Equal(["ann", "bob"], people.Select(p => p.GetProperty("id").GetString()));
            var ann = people[0].GetProperty("sessions").EnumerateArray().ToList();
            Assert.Equal(["ann+1", "ann-screen+1", "ann+1"], ann.Select(s => s.GetProperty("fullId").GetString()));
            Assert.Equal(["publisher", "publisher", "subscriber"], ann.Select(s => s.GetProperty("session").GetProperty("role").GetString()));
            var tracks = ann[0].GetProperty("tracks").EnumerateArray().ToList();
            Assert.Equal(["video", "audio"], tracks.Select(t => t.GetProperty("kind").GetString()));
            Assert.StartsWith("TR_", tracks[0].GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal("video/VP8", tracks[0].GetProperty("codec").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/api/rooms/team")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("/api/rooms/nowhere")).StatusCode);

        // A stream of the same name is not a room.
        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync("/whip/team", Offers.Sdp(PublisherOffer))).StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await node.Http.GetStringAsync("/api/rooms")).RootElement.GetArrayLength());

        var kicked = await node.Http.DeleteAsync("/api/rooms/team/participants/ann");
        Assert.Equal(HttpStatusCode.NoContent, kicked.StatusCode);
        Assert.Equal("bob+7", await node.Http.GetStringAsync("/list/pub/team"));
        Assert.Equal(string.Empty, await node.Http.GetStringAsync("/list/sub/team"));
        await events.WaitForAsync(rooms => rooms[0].GetProperty("participants").GetArrayLength() == 1, "ann gone from the feed");
        var nobody = await node.Http.DeleteAsync("/api/rooms/team/participants/ann");
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Contains("ann", await nobody.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await node.Http.DeleteAsync("/api/rooms/team")).StatusCode);
        Assert.False(node.Node.TryGetRoom(RoomId.Conference("team"), out _));
        Assert.True(node.Node.TryGetStream("team", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.DeleteAsync("/api/rooms/team")).StatusCode);
    }

    private static async Task<EventReader> OpenEventsAsync(TestNode node)
    {
        var response = await node.Http.GetAsync("/api/sse/rooms", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventReader(await response.Content.ReadAsStreamAsync(), "rooms");
    }

    private static async Task Join(TestNode node, string path, string offer) =>
        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync(path, new StringContent(offer))).StatusCode);
}
