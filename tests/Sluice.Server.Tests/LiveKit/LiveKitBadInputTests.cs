using System.Net;
using System.Net.WebSockets;
using Google.Protobuf;
using Sluice.LiveKit;
using Sluice.LiveKit.Protocol;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// Bad input on LiveKit's signalling socket and its validate route: refused with LiveKit's words (or the socket
/// closed), and nothing else disturbed (another participant of the room keeps its connection and sees who left).
/// A plain WebSocket client speaking the protocol's protobuf.
/// </summary>
public sealed class LiveKitBadInputTests
{
    [Fact]
    public async Task Garbage_an_unknown_answer_and_a_huge_message_disturb_nobody_else_and_bad_tokens_are_refused()
    {
        await using var node = await TestNode.StartAsync("--dev");
        using var good = await ConnectAsync(node, LiveKitTab.Token("bad", "good"));
        Assert.Equal(SignalResponse.MessageOneofCase.Join, (await ReceiveAsync(good)).MessageCase);
        using var bad = await ConnectAsync(node, LiveKitTab.Token("bad", "bad"));
        var joined = await ReceiveAsync(bad);
        Assert.Equal("good", Assert.Single(joined.Join.OtherParticipants).Identity);

        // The good one is told of the bad one (a participant that comes and goes between two updates is never announced).
        await ReceiveUntilAsync(good, SignalResponse.MessageOneofCase.Update, r => r.Update.Participants.Any(p => p.Identity == "bad" && p.State == ParticipantInfo.Types.State.Active));

        // A binary frame that is not a SignalRequest, and an answer to an offer never made: skipped, the socket lives on.
        await bad.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, WebSocketMessageType.Binary, true, CancellationToken.None);
        await SendAsync(bad, new SignalRequest { Answer = new SessionDescription { Type = "answer", Sdp = "v=0", Id = 77 } });
        await SendAsync(bad, new SignalRequest { Ping = 1234 });
        Assert.Equal(1234, (await ReceiveUntilAsync(bad, SignalResponse.MessageOneofCase.Pong)).Pong);

        // A 1 MB message: the socket is closed as too big.
        await bad.SendAsync(new byte[1024 * 1024], WebSocketMessageType.Binary, true, CancellationToken.None);
        var closed = await DrainAsync(bad);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, closed);

        // The other participant is untouched: it answers pings and hears that "bad" left.
        await SendAsync(good, new SignalRequest { PingReq = new Ping { Timestamp = 99 } });
        Assert.Equal(99, (await ReceiveUntilAsync(good, SignalResponse.MessageOneofCase.PongResp)).PongResp.LastPingTimestamp);
        var update = await ReceiveUntilAsync(good, SignalResponse.MessageOneofCase.Update, r => r.Update.Participants.Any(p => p.Identity == "bad" && p.State == ParticipantInfo.Types.State.Disconnected));
        Assert.NotNull(update);

        // Tokens: forged, expired, without roomJoin, missing: 401 with the reason, at the validate route and on upgrade.
        var forged = AccessToken.Create(new AccessClaims(LiveKitTab.ApiKey, "eve", new VideoGrant { RoomJoin = true, Room = "bad" }), "not-the-secret", DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var expired = AccessToken.Create(new AccessClaims(LiveKitTab.ApiKey, "eve", new VideoGrant { RoomJoin = true, Room = "bad" }), LiveKitTab.ApiSecret, DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromHours(1));
        var noJoin = LiveKitTab.Token("bad", "eve", new VideoGrant { RoomList = true });
        foreach (var (token, words) in new[] { (forged, "signature invalid"), (expired, "token is expired"), (noJoin, "roomJoin"), ("", "no access token") })
        {
            using var response = await node.Http.GetAsync("/rtc/validate?access_token=" + Uri.EscapeDataString(token));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(words, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(node, token));
        }

        using var valid = await node.Http.GetAsync("/rtc/validate?access_token=" + LiveKitTab.Token("bad", "eve"));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);

        // /rtc/v1: its validate route answers as /rtc's; a missing or unreadable join_request refuses the upgrade with 400.
        using (var validV1 = await node.Http.GetAsync("/rtc/v1/validate?access_token=" + LiveKitTab.Token("bad", "eve")))
        {
            Assert.Equal(HttpStatusCode.OK, validV1.StatusCode);
        }

        using (var forgedV1 = await node.Http.GetAsync("/rtc/v1/validate?access_token=" + Uri.EscapeDataString(forged)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forgedV1.StatusCode);
        }

        foreach (var joinRequest in new[] { "", "&join_request=not%20base64!", "&join_request=" + Convert.ToBase64String(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }) })
        {
            using var refused = new ClientWebSocket();
            refused.Options.CollectHttpResponseDetails = true;
            var url = new UriBuilder(node.BaseUri) { Scheme = "ws", Path = "/rtc/v1", Query = "access_token=" + LiveKitTab.Token("bad", "eve") + joinRequest }.Uri;
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(url, CancellationToken.None));
            Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
        }

        await SendAsync(good, new SignalRequest { Ping = 5 });
        Assert.Equal(5, (await ReceiveUntilAsync(good, SignalResponse.MessageOneofCase.Pong)).Pong);
    }

    private static async Task<ClientWebSocket> ConnectAsync(TestNode node, string token)
    {
        var socket = new ClientWebSocket();
        var url = new UriBuilder(node.BaseUri) { Scheme = "ws", Path = "/rtc", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        try
        {
            await socket.ConnectAsync(url, CancellationToken.None);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, SignalRequest request) =>
        socket.SendAsync(request.ToByteArray(), WebSocketMessageType.Binary, true, CancellationToken.None);

    private static async Task<SignalResponse> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1 << 20];
        var length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), timeout.Token);
            length += result.Count;
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
        return SignalResponse.Parser.ParseFrom(buffer, 0, length);
    }

    /// <summary>
    /// The first message of <paramref name="kind"/> (and <paramref name="where"/>) received on the socket, those passed
    /// over before included: messages come in any order against the requests (a tick's update before a pong).
    /// </summary>
    private static async Task<SignalResponse> ReceiveUntilAsync(ClientWebSocket socket, SignalResponse.MessageOneofCase kind, Func<SignalResponse, bool>? where = null)
    {
        var seen = Seen.GetOrCreateValue(socket);
        bool Wanted(SignalResponse r) => r.MessageCase == kind && (where is null || where(r));
        if (seen.Find(Wanted) is { } earlier)
        {
            seen.Remove(earlier);
            return earlier;
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var response = await ReceiveAsync(socket);
            if (Wanted(response))
            {
                return response;
            }

            seen.Add(response);
        }

        throw new TimeoutException("no " + kind);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ClientWebSocket, List<SignalResponse>> Seen = [];

    /// <summary>Reads until the server closes the socket; its close status.</summary>
    private static async Task<WebSocketCloseStatus?> DrainAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return result.CloseStatus;
                }
            }
        }
        catch (WebSocketException)
        {
            return socket.CloseStatus;
        }
    }
}
