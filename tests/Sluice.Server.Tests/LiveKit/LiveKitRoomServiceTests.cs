using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sluice.LiveKit;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// LiveKit's room service (Twirp) called from LiveKit's own server SDK (<c>RoomServiceClient</c> of npm
/// livekit-server-sdk), with participants in Chromium joined with tokens that SDK made.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class LiveKitRoomServiceTests
{
    [ChromiumFact]
    public async Task The_server_sdk_creates_lists_mutes_sends_removes_and_deletes_and_the_participants_see_it()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var created = await LiveKitServerSdk.CallAsync(node.BaseUri, "createRoom", new { name = "svc", metadata = "first" });
        Assert.Equal("svc", created.GetProperty("name").GetString());
        Assert.StartsWith("RM_", created.GetProperty("sid").GetString(), StringComparison.Ordinal);
        var listed = await LiveKitServerSdk.CallAsync(node.BaseUri, "listRooms");
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("name").GetString() == "svc");

        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinWithAsync(node.BaseUri, await LiveKitServerSdk.TokenAsync("svc", "ann"));
        await bob.JoinWithAsync(node.BaseUri, await LiveKitServerSdk.TokenAsync("svc", "bob"));
        var annTracks = await ann.PublishAsync();
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "audio" && t.Packets > 10), "bob receiving ann's microphone");

        var participants = await LiveKitServerSdk.CallAsync(node.BaseUri, "listParticipants", "svc");
        Assert.Equal(["ann", "bob"], participants.EnumerateArray().Select(p => p.GetProperty("identity").GetString()).Order());
        var annInfo = await LiveKitServerSdk.CallAsync(node.BaseUri, "getParticipant", "svc", "ann");
        var audio = annInfo.GetProperty("tracks").EnumerateArray().Single(t => t.GetProperty("type").ToString() is "0" or "AUDIO");
        Assert.Contains(audio.GetProperty("sid").GetString(), annTracks);

        // The server mutes ann's microphone: bob sees it muted.
        await LiveKitServerSdk.CallAsync(node.BaseUri, "mutePublishedTrack", "svc", "ann", audio.GetProperty("sid").GetString(), true);
        await bob.WaitForLogAsync(log => log.Contains("muted ann audio"), "bob seeing ann's microphone muted by the server");

        // Data from the server to bob only; then bob's metadata.
        await LiveKitServerSdk.CallAsync(node.BaseUri, "sendData", "svc", "from the server", "reliable", new { destinationIdentities = new[] { "bob" } });
        await bob.WaitForLogAsync(log => log.Contains("data ? from the server"), "bob receiving the server's data");
        var updated = await LiveKitServerSdk.CallAsync(node.BaseUri, "updateParticipant", "svc", "bob", new { metadata = "promoted" });
        Assert.Equal("promoted", updated.GetProperty("metadata").GetString());
        await Poll.Until(async () => await bob.Page.EvaluateAsync<string>("() => room.localParticipant.metadata") == "promoted", "bob's SDK seeing its own new metadata");
        await LiveKitServerSdk.CallAsync(node.BaseUri, "updateRoomMetadata", "svc", "second");
        Assert.Equal("second", (await LiveKitServerSdk.CallAsync(node.BaseUri, "listRooms", (object)new[] { "svc" }))[0].GetProperty("metadata").GetString());

        // Removing bob disconnects bob's tab; deleting the room disconnects ann's.
        await LiveKitServerSdk.CallAsync(node.BaseUri, "removeParticipant", "svc", "bob");
        await bob.WaitForLogAsync(log => log.Any(l => l.StartsWith("left ", StringComparison.Ordinal)), "bob's tab disconnected");
        await ann.WaitForLogAsync(log => log.Contains("disconnected bob"), "ann seeing bob removed", seconds: 5);
        Assert.DoesNotContain("data ? from the server", await ann.LogAsync());
        await LiveKitServerSdk.CallAsync(node.BaseUri, "deleteRoom", "svc");
        await ann.WaitForLogAsync(log => log.Any(l => l.StartsWith("left ", StringComparison.Ordinal)), "ann's tab disconnected");
        Assert.DoesNotContain((await LiveKitServerSdk.CallAsync(node.BaseUri, "listRooms")).EnumerateArray(), r => r.GetProperty("name").GetString() == "svc");
        var missing = await Assert.ThrowsAsync<RoomServiceException>(() => LiveKitServerSdk.CallAsync(node.BaseUri, "listParticipants", "svc"));
        Assert.Equal("not_found", missing.Code);
    }

    [Fact]
    public async Task Calls_without_the_grant_or_with_a_forged_token_get_twirps_errors_and_an_empty_room_goes_after_its_timeout()
    {
        await using var node = await TestNode.StartAsync("--dev");
        async Task<(HttpStatusCode Status, JsonElement Body)> Call(string method, string json, string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/twirp/livekit.RoomService/" + method)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await node.Http.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        string Token(VideoGrant grant, string secret = LiveKitTab.ApiSecret) =>
            AccessToken.Create(new AccessClaims(LiveKitTab.ApiKey, "operator", grant), secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

        var (status, body) = await Call("ListRooms", "{}", Token(new VideoGrant { RoomCreate = true }));
        Assert.Equal((HttpStatusCode.Forbidden, "permission_denied"), (status, body.GetProperty("code").GetString()));
        Assert.Contains("roomList", body.GetProperty("msg").GetString(), StringComparison.Ordinal);
        (status, body) = await Call("ListRooms", "{}", Token(new VideoGrant { RoomList = true }, secret: "forged-secret"));
        Assert.Equal((HttpStatusCode.Unauthorized, "unauthenticated"), (status, body.GetProperty("code").GetString()));
        (status, body) = await Call("ListParticipants", """{"room":"other"}""", Token(new VideoGrant { RoomAdmin = true, Room = "mine" }));
        Assert.Equal((HttpStatusCode.Forbidden, "permission_denied"), (status, body.GetProperty("code").GetString()));
        (status, body) = await Call("ListRooms", "{not json", Token(new VideoGrant { RoomList = true }));
        Assert.Equal((HttpStatusCode.BadRequest, "malformed"), (status, body.GetProperty("code").GetString()));
        (status, body) = await Call("Nope", "{}", Token(new VideoGrant { RoomList = true }));
        Assert.Equal((HttpStatusCode.NotFound, "bad_route"), (status, body.GetProperty("code").GetString()));

        // Proto field names and defaults in the answer; an API-created room lives while empty for its empty_timeout.
        (status, body) = await Call("CreateRoom", """{"name":"brief","emptyTimeout":1}""", Token(new VideoGrant { RoomCreate = true }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("empty_timeout").GetInt32());
        Assert.Equal(0, body.GetProperty("num_participants").GetInt32());
        Assert.True(node.Node.TryGetRoom(Sluice.Sfu.RoomId.Conference("brief"), out _));
        await Poll.Until(() => !node.Node.TryGetRoom(Sluice.Sfu.RoomId.Conference("brief"), out _), "the empty room to go after its timeout", timeoutSeconds: 5);
        (status, body) = await Call("ListRooms", "{}", Token(new VideoGrant { RoomList = true }));
        Assert.Equal(0, body.GetProperty("rooms").GetArrayLength());
    }
}
