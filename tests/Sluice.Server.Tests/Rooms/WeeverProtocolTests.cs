using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sluice.Rtc.Sdp;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// weever-streaming's HTTP surface, one behaviour each: id and room validation with its exact text/plain bodies
/// (and Sluice's refusal of markup characters), one live session per full id and role, join tokens, the list
/// endpoints and the Kubernetes probes. Offers come from our SDP writer: none of these needs media to flow.
/// </summary>
public sealed class WeeverProtocolTests
{
    private static readonly string PublisherOffer = Offers.Publish(new RtpCodec(96, "VP8", 90000));
    private static readonly string SubscriberOffer = Offers.Play();

    [Theory]
    [InlineData("/pub/r/%C3%A9", "id should be ascii graphic")]
    [InlineData("/pub/r/a%20b", "id should be ascii graphic")]
    [InlineData("/sub/r/ann.1", "id should not contain '.'")]
    [InlineData("/pub/r/%3Cb%3E", "id should not contain <>\"'&")]
    [InlineData("/sub/r/a%26b", "id should not contain <>\"'&")]
    [InlineData("/pub/%C3%A9/ann", "room should be ascii graphic")]
    [InlineData("/sub/r.1/ann", "room should not contain '.'")]
    [InlineData("/pub/%22r%22/ann", "room should not contain <>\"'&")]
    public async Task Invalid_ids_and_rooms_get_weevers_words(string path, string body)
    {
        await using var node = await TestNode.StartAsync();
        var response = await node.Http.PostAsync(path, new StringContent(PublisherOffer));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_join_takes_any_content_type_answers_201_with_sdp_and_a_full_id_lives_once_per_role()
    {
        await using var node = await TestNode.StartAsync();
        using var bare = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(PublisherOffer));
        var first = await node.Http.PostAsync("/pub/r/ann+1", bare);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("application/sdp", first.Content.Headers.ContentType!.MediaType);
        var answer = SessionDescription.Parse(await first.Content.ReadAsStringAsync());
        Assert.Contains(answer.Media, m => m.Candidates.Count > 0);

        var again = await node.Http.PostAsync("/pub/r/ann+1", new StringContent(PublisherOffer));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("duplicate publisher", await again.Content.ReadAsStringAsync());

        // The same person's screen share, a new full id, and the same full id as subscriber are all fine.
        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync("/pub/r/ann-screen+1", new StringContent(PublisherOffer))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync("/sub/r/ann+1", new StringContent(SubscriberOffer))).StatusCode);
        var duplicate = await node.Http.PostAsync("/sub/r/ann+1", new StringContent(SubscriberOffer));
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Equal("duplicate subscriber", await duplicate.Content.ReadAsStringAsync());

        // A stream of the same name is another namespace.
        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync("/whip/r", Offers.Sdp(PublisherOffer))).StatusCode);
        Assert.Equal("ann+1,ann-screen+1", await node.Http.GetStringAsync("/list/pub/r"));
        Assert.Equal("ann+1", await node.Http.GetStringAsync("/list/sub/r"));
        Assert.Equal(string.Empty, await node.Http.GetStringAsync("/list/pub/nobody"));
        Assert.Single(node.Node.Streams);
        Assert.Single(node.Node.Conferences);
    }

    [Fact]
    public async Task A_room_session_that_never_connects_ends_within_ten_seconds()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await node.Http.PostAsync("/pub/quiet/ann+1", new StringContent(PublisherOffer))).StatusCode);
        Assert.Equal("ann+1", await node.Http.GetStringAsync("/list/pub/quiet"));
        var started = DateTime.UtcNow;
        await Poll.Until(() => node.Http.GetStringAsync("/list/pub/quiet").Result.Length == 0, "the silent session to end", timeoutSeconds: 15);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task With_room_auth_a_join_needs_the_token_created_for_its_room_person_and_role()
    {
        await using var node = await TestNode.StartAsync("--Rooms:Auth", "true");
        var missing = await Join(node, "/pub/r/ann+1", token: "s3cret");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("bad token N/A", await missing.Content.ReadAsStringAsync());

        var created = await node.Http.PostAsJsonAsync("/create/pub", new { room = "r", id = "ann", token = "s3cret" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("pub set", await created.Content.ReadAsStringAsync());

        var wrong = await Join(node, "/pub/r/ann+1", token: "guess");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("bad token", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Join(node, "/pub/r/ann+1", token: null)).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await Join(node, "/pub/r/ann+1", token: "s3cret")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Join(node, "/pub/r/ann-screen+2", token: "s3cret")).StatusCode);

        // The token is per role and per room.
        Assert.Equal("bad token N/A", await (await Join(node, "/sub/r/ann+1", token: "s3cret")).Content.ReadAsStringAsync());
        Assert.Equal("bad token N/A", await (await Join(node, "/pub/other/ann+3", token: "s3cret")).Content.ReadAsStringAsync());

        // An empty token lets anyone join as that person.
        Assert.Equal("sub set", await (await node.Http.PostAsJsonAsync("/create/sub", new { room = "r", id = "bob", token = "" })).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, (await Join(node, "/sub/r/bob+1", token: null)).StatusCode);

        var invalid = await node.Http.PostAsJsonAsync("/create/pub", new { room = "r", id = "a.b", token = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("id should not contain '.'", await invalid.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_probes_answer_like_weevers_and_readiness_turns_busy_while_draining()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal("OK", await node.Http.GetStringAsync("/liveness"));
        Assert.Equal("OK", await node.Http.GetStringAsync("/readiness"));

        // preStop starts the drain; with no room session left it answers at once.
        var preStop = await node.Http.GetAsync("/preStop");
        Assert.Equal(HttpStatusCode.OK, preStop.StatusCode);
        Assert.Equal("OK", await preStop.Content.ReadAsStringAsync());
        var busy = await node.Http.GetAsync("/readiness");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal("BUSY", await busy.Content.ReadAsStringAsync());
        Assert.Equal("OK", await node.Http.GetStringAsync("/liveness"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await node.Http.PostAsync("/pub/r/ann+1", new StringContent(PublisherOffer))).StatusCode);
    }

    private static async Task<HttpResponseMessage> Join(TestNode node, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(path.StartsWith("/pub", StringComparison.Ordinal) ? PublisherOffer : SubscriberOffer) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await node.Http.SendAsync(request);
    }
}
