using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Sluice.LiveKit;
using Sluice.Testing;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// A Chromium tab running LiveKit's own JS client (npm <c>livekit-client</c>, its UMD bundle from
/// <c>Peers/livekit/node_modules</c>, installed by <c>npm ci</c> in .ci/run) as an app would: <c>new Room(options)</c>,
/// <c>connect(url, token)</c>, camera and microphone from Chromium's fake devices. What the SDK reports (events, remote
/// tracks and their decoded frames) is read back from the page.
/// </summary>
internal sealed class LiveKitTab
{
    public const string ApiKey = "devkey";
    public const string ApiSecret = "secret";

    private const string Html = """
        <!doctype html>
        <meta charset="utf-8">
        <title>sluice livekit test</title>
        <script src="livekit-client.umd.js"></script>
        <script>
        const { Room, RoomEvent } = LivekitClient;
        window.log = [];
        window.room = null;
        window.join = async (url, token, options, connectOptions) => {
          const room = window.room = new Room(options || {});
          room.on(RoomEvent.ParticipantConnected, p => log.push('connected ' + p.identity));
          room.on(RoomEvent.ParticipantDisconnected, p => log.push('disconnected ' + p.identity));
          room.on(RoomEvent.TrackSubscribed, (t, pub, p) => log.push('subscribed ' + p.identity + ' ' + t.kind));
          room.on(RoomEvent.TrackUnsubscribed, (t, pub, p) => log.push('unsubscribed ' + p.identity + ' ' + t.kind));
          room.on(RoomEvent.TrackUnpublished, (pub, p) => log.push('unpublished ' + p.identity + ' ' + pub.kind));
          room.on(RoomEvent.TrackMuted, (pub, p) => log.push('muted ' + p.identity + ' ' + pub.kind));
          room.on(RoomEvent.TrackUnmuted, (pub, p) => log.push('unmuted ' + p.identity + ' ' + pub.kind));
          room.on(RoomEvent.Disconnected, reason => log.push('left ' + reason));
          room.on(RoomEvent.Reconnecting, () => log.push('reconnecting'));
          room.on(RoomEvent.Reconnected, () => log.push('reconnected'));
          room.on(RoomEvent.DataReceived, (payload, p, kind, topic) => log.push('data ' + (p ? p.identity : '?') + ' ' + new TextDecoder().decode(payload)));
          await room.connect(url, token, connectOptions || {});
          return { sid: room.localParticipant.sid, identity: room.localParticipant.identity, room: room.name,
                   server: room.serverInfo ? room.serverInfo.version : null, others: [...room.remoteParticipants.values()].map(p => p.identity),
                   // The SDK's peer connection layout: 'publisher-only' is one peer connection (/rtc/v1), the others two (/rtc).
                   peerConnections: room.engine && room.engine.pcManager ? room.engine.pcManager.mode : null };
        };
        window.publish = async () => {
          await room.localParticipant.enableCameraAndMicrophone();
          return [...room.localParticipant.trackPublications.values()].map(p => p.trackSid);
        };
        window.mute = async (kind, muted) => {
          const pub = [...room.localParticipant.trackPublications.values()].find(p => p.kind === kind);
          if (muted) await pub.mute(); else await pub.unmute();
        };
        window.activeLayers = () => {
          const pub = [...room.localParticipant.trackPublications.values()].find(p => p.kind === 'video');
          return pub.track.sender.getParameters().encodings.map(e => (e.rid || '') + ':' + (e.active !== false));
        };
        window.unpublish = async kind => {
          const pub = [...room.localParticipant.trackPublications.values()].find(p => p.kind === kind);
          await room.localParticipant.unpublishTrack(pub.track);
        };
        window.send = async (text, reliable, to) => {
          await room.localParticipant.publishData(new TextEncoder().encode(text), { reliable, destinationIdentities: to || undefined });
        };
        window.setSubscribed = (identity, kind, subscribed) => {
          const p = [...room.remoteParticipants.values()].find(p => p.identity === identity);
          [...p.trackPublications.values()].find(t => t.kind === kind).setSubscribed(subscribed);
        };
        window.setQuality = (identity, quality) => {
          const p = [...room.remoteParticipants.values()].find(p => p.identity === identity);
          [...p.trackPublications.values()].find(t => t.kind === 'video').setVideoQuality(quality);
        };
        // Times a join as an app sees it: from connect() to the signalling socket that opened (the SDK's first try,
        // /rtc/v1, is refused, so this is its fallback to /rtc), and from that socket's opening to the first frame
        // decoded from any remote camera (its receiver's stats, read every 10 ms).
        window.timedJoin = async (url, token) => {
          const Native = window.WebSocket;
          let opened = null;
          window.WebSocket = function (address, protocols) {
            const socket = protocols === undefined ? new Native(address) : new Native(address, protocols);
            socket.addEventListener('open', () => { opened = performance.now(); });
            return socket;
          };
          Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
          window.WebSocket.prototype = Native.prototype;
          const started = performance.now();
          try {
            await join(url, token);
          } finally {
            window.WebSocket = Native;
          }
          while (performance.now() - started < 15000) {
            for (const p of room.remoteParticipants.values()) {
              for (const pub of p.trackPublications.values()) {
                if (pub.kind !== 'video' || !pub.track || !pub.track.receiver) continue;
                let decoded = 0;
                (await pub.track.receiver.getStats()).forEach(s => { if (s.type === 'inbound-rtp') decoded = s.framesDecoded || 0; });
                if (decoded > 0) {
                  const now = performance.now();
                  return { connectToOpen: opened - started, openToFrame: now - opened };
                }
              }
            }
            await new Promise(resolve => setTimeout(resolve, 10));
          }
          throw new Error('no remote frame decoded within 15 s of connect()');
        };
        window.leave = () => room.disconnect();
        window.remote = async () => {
          const out = [];
          for (const p of room.remoteParticipants.values()) {
            for (const pub of p.trackPublications.values()) {
              const entry = { identity: p.identity, sid: pub.trackSid, kind: pub.kind, subscribed: pub.isSubscribed, muted: pub.isMuted, framesDecoded: 0, packets: 0, width: 0 };
              if (pub.track && pub.track.receiver) {
                const stats = await pub.track.receiver.getStats();
                stats.forEach(s => { if (s.type === 'inbound-rtp') { entry.framesDecoded = s.framesDecoded || 0; entry.packets = s.packetsReceived || 0; entry.width = s.frameWidth || 0; } });
              }
              out.push(entry);
            }
          }
          return out;
        };
        </script>
        """;

    private LiveKitTab(IPage page) => Page = page;

    public IPage Page { get; }

    /// <summary>The folder of LiveKit's npm packages (its node_modules installed by <c>npm ci</c>).</summary>
    public static string PeerFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
                {
                    var folder = Path.Combine(dir.FullName, "tests", "Sluice.Server.Tests", "Peers", "livekit");
                    if (!File.Exists(Path.Combine(folder, "node_modules", "livekit-client", "dist", "livekit-client.umd.js")))
                    {
                        throw new InvalidOperationException($"livekit-client is not installed in {folder}: run `npm ci` there (.ci/run does)");
                    }

                    return folder;
                }
            }

            throw new InvalidOperationException("the repository (Sluice.slnx) is not above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// Serves the page and the SDK's bundle from the node under test (<c>/livekit-test/</c>), as an app served beside its
    /// LiveKit server would be: Chromium lets a page reach loopback (its WebSockets too) only from loopback itself.
    /// </summary>
    public static void MapPage(WebApplication app)
    {
        var bundle = Path.Combine(PeerFolder, "node_modules", "livekit-client", "dist", "livekit-client.umd.js");
        app.MapGet("/livekit-test/livekit-client.umd.js", () => Results.File(bundle, "text/javascript"));
        app.MapGet("/livekit-test/", () => Results.Text(Html, "text/html"));
    }

    /// <summary>Opens the page (see <see cref="MapPage"/>) of <paramref name="node"/>.</summary>
    public static async Task<LiveKitTab> OpenAsync(IBrowser browser, Uri node)
    {
        var page = await browser.NewPageAsync();
        if (Environment.GetEnvironmentVariable("SLUICE_LIVEKIT_CONSOLE") is { } consoleLog)
        {
            page.Console += (_, message) => File.AppendAllText(consoleLog, message.Type + ": " + message.Text + "\n");
        }

        await page.GotoAsync(new Uri(node, "/livekit-test/").ToString());
        return new LiveKitTab(page);
    }

    /// <summary>A token for <paramref name="identity"/> in <paramref name="room"/> with LiveKit's development key, as LiveKit's server SDKs make them.</summary>
    public static string Token(string room, string identity, VideoGrant? grant = null) =>
        AccessToken.Create(new AccessClaims(ApiKey, identity, grant ?? new VideoGrant { RoomJoin = true, Room = room }) { Name = identity },
            ApiSecret, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    /// <summary>Connects with the SDK's defaults (or <paramref name="options"/>, the <c>Room</c> constructor's); what the SDK then says of the room.</summary>
    public Task<JoinResult> JoinAsync(Uri node, string room, string identity, object? options = null, object? connectOptions = null) =>
        JoinWithAsync(node, Token(room, identity), options, connectOptions);

    /// <summary>Connects with <paramref name="token"/> (<paramref name="connectOptions"/>: <c>connect</c>'s, e.g. autoSubscribe).</summary>
    public async Task<JoinResult> JoinWithAsync(Uri node, string token, object? options = null, object? connectOptions = null)
    {
        var url = new UriBuilder(node) { Scheme = "ws" }.Uri.ToString().TrimEnd('/');
        var result = await Page.EvaluateAsync<JsonElement>("([url, token, options, connectOptions]) => join(url, token, options, connectOptions)",
            new object?[] { url, token, options, connectOptions });
        return JsonSerializer.Deserialize<JoinResult>(result.GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Joins with the SDK's defaults and times it (see the page's <c>timedJoin</c>), in milliseconds.</summary>
    public async Task<JoinTime> TimedJoinAsync(Uri node, string room, string identity)
    {
        var url = new UriBuilder(node) { Scheme = "ws" }.Uri.ToString().TrimEnd('/');
        var result = await Page.EvaluateAsync<JsonElement>("([url, token]) => timedJoin(url, token)", new object[] { url, Token(room, identity) });
        return JsonSerializer.Deserialize<JoinTime>(result.GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary><c>room.disconnect()</c>.</summary>
    public Task LeaveAsync() => Page.EvaluateAsync("() => leave()");

    /// <summary>Publishes camera and microphone (<c>enableCameraAndMicrophone</c>); the track sids the SDK got.</summary>
    public async Task<string[]> PublishAsync() => await Page.EvaluateAsync<string[]>("() => publish()");

    public async Task<RemoteTrack[]> RemoteAsync()
    {
        var result = await Page.EvaluateAsync<JsonElement>("() => remote()");
        return JsonSerializer.Deserialize<RemoteTrack[]>(result.GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    public async Task<string[]> LogAsync() => await Page.EvaluateAsync<string[]>("() => window.log");

    /// <summary>Mutes or unmutes the local track of <paramref name="kind"/> (<c>audio</c>, <c>video</c>).</summary>
    public Task MuteAsync(string kind, bool muted) => Page.EvaluateAsync("([kind, muted]) => mute(kind, muted)", new object[] { kind, muted });

    /// <summary>The local camera's simulcast encodings as <c>rid:active</c>.</summary>
    public async Task<string[]> ActiveLayersAsync() => await Page.EvaluateAsync<string[]>("() => activeLayers()");

    /// <summary>Unpublishes the local track of <paramref name="kind"/>.</summary>
    public Task UnpublishAsync(string kind) => Page.EvaluateAsync("kind => unpublish(kind)", kind);

    /// <summary><c>setSubscribed</c> on <paramref name="identity"/>'s track of <paramref name="kind"/>.</summary>
    public Task SetSubscribedAsync(string identity, string kind, bool subscribed) =>
        Page.EvaluateAsync("([identity, kind, subscribed]) => setSubscribed(identity, kind, subscribed)", new object[] { identity, kind, subscribed });

    /// <summary><c>setVideoQuality</c> on <paramref name="identity"/>'s video (LiveKit's VideoQuality: 0 low, 1 medium, 2 high).</summary>
    public Task SetVideoQualityAsync(string identity, int quality) =>
        Page.EvaluateAsync("([identity, quality]) => setQuality(identity, quality)", new object[] { identity, quality });

    /// <summary><c>publishData</c> of <paramref name="text"/>, reliable or lossy, to everyone or to <paramref name="to"/>.</summary>
    public Task SendAsync(string text, bool reliable, params string[] to) =>
        Page.EvaluateAsync("([text, reliable, to]) => send(text, reliable, to)", new object?[] { text, reliable, to.Length == 0 ? null : to });

    /// <summary>Polls the page's log until <paramref name="done"/> holds; the log.</summary>
    public async Task<string[]> WaitForLogAsync(Func<string[], bool> done, string what, int seconds = 15)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            var log = await LogAsync();
            if (done(log))
            {
                return log;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}: log [{string.Join("; ", log)}]");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Polls <see cref="RemoteAsync"/> until <paramref name="done"/> holds; times out naming <paramref name="what"/> and the last state.</summary>
    public async Task<RemoteTrack[]> WaitAsync(Func<RemoteTrack[], bool> done, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            var remote = await RemoteAsync();
            if (done(remote))
            {
                return remote;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}: remote tracks {JsonSerializer.Serialize(remote)}; log [{string.Join("; ", await LogAsync())}]");
            }

            await Task.Delay(200);
        }
    }

    internal sealed record JoinResult(string Sid, string Identity, string Room, string? Server, string[] Others, string? PeerConnections);

    /// <summary>A timed join, in milliseconds: <c>connect()</c> to the signalling socket's opening, and that to the first remote frame decoded.</summary>
    internal sealed record JoinTime(double ConnectToOpen, double OpenToFrame);

    internal sealed record RemoteTrack(string Identity, string Sid, string Kind, bool Subscribed, bool Muted, int FramesDecoded, int Packets, int Width);
}
