using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Server.Tests.Interop;
using Sluice.Testing;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// A Chromium tab that joins a room the way weever-streaming's browser clients do (written here from its protocol):
/// a publisher connection with camera and microphone and a subscriber connection, each with a <c>control</c>
/// channel created before its first offer, posted once ICE gathering completes (no trickle), no Content-Type
/// header; the subscriber answers every <c>SDP_OFFER</c> on the channel at once and keys what it receives on the
/// msid stream id (the publisher's full id), removing it on <c>PUB_LEFT</c>.
/// </summary>
internal sealed class WeeverTab
{
    private const string Html = """
        <!doctype html>
        <meta charset="utf-8">
        <title>sluice room test</title>
        <script>
        window.log = [];
        window.offers = 0;
        window.remote = {};
        const gathered = pc => new Promise(resolve => {
          if (pc.iceGatheringState === 'complete') return resolve();
          pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        });
        async function post(pc, url, answerTo) {
          await pc.setLocalDescription(await pc.createOffer());
          await gathered(pc);
          const res = await fetch(url, { method: 'POST', body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${text}`);
          await pc.setRemoteDescription({ type: 'answer', sdp: answerTo ? answerTo(text) : text });
        }
        window.publish = async (room, id, video, audio, simulcast) => {
          const size = simulcast ? { width: 640, height: 360 } : { width: 320, height: 180 };
          const media = await navigator.mediaDevices.getUserMedia({ video: video ? { ...size, frameRate: 30 } : false, audio });
          const pc = window.pub = new RTCPeerConnection();
          window.pubControl = pc.createDataChannel('control');
          window.pubControl.onmessage = e => window.log.push('pub< ' + e.data.split(' ')[0]);
          if (simulcast && video) {
            // Two layers (what Chromium sends of 640x360): q at 320x180, f at 640x360.
            if (audio) pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
            const sender = pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', streams: [media], sendEncodings: [
              { rid: 'q', scaleResolutionDownBy: 2, maxBitrate: 150000 }, { rid: 'f', maxBitrate: 700000 } ] }).sender;
            const parameters = sender.getParameters();
            parameters.degradationPreference = 'maintain-resolution';
            await sender.setParameters(parameters);
          } else {
            media.getTracks().forEach(t => pc.addTrack(t, media));
          }
          await post(pc, `/pub/${room}/${id}`);
        };
        // With a relay, every description from the node is pointed at it: the subscriber connection crosses its link.
        window.subscribe = async (room, id, relayHost, relayPort) => {
          const viaRelay = sdp => relayHost ? pointCandidatesAt(sdp, relayHost, relayPort) : sdp;
          const pc = window.sub = new RTCPeerConnection();
          const dc = window.subControl = pc.createDataChannel('control');
          pc.ontrack = e => {
            const stream = e.streams[0] ? e.streams[0].id : '?';
            (window.remote[stream] = window.remote[stream] || []).push(e.track.id);
          };
          dc.onmessage = async e => {
            const text = e.data, space = text.indexOf(' ');
            const cmd = space < 0 ? text : text.slice(0, space), arg = space < 0 ? '' : text.slice(space + 1);
            if (cmd === 'SDP_OFFER') {
              window.offers++;
              await pc.setRemoteDescription({ type: 'offer', sdp: viaRelay(arg) });
              const answer = await pc.createAnswer();
              await pc.setLocalDescription(answer);
              dc.send('SDP_ANSWER ' + answer.sdp);
            } else {
              window.log.push(cmd + ' ' + arg);
              if (cmd === 'PUB_LEFT') delete window.remote[arg];
            }
          };
          await post(pc, `/sub/${room}/${id}`, viaRelay);
        };
        // n audio-only publishers at once (one connection each, like n people), posted together.
        window.publishMany = async (room, prefix, n) => {
          const media = await navigator.mediaDevices.getUserMedia({ audio: true });
          window.many = [];
          await Promise.all(Array.from({ length: n }, async (_, i) => {
            const pc = new RTCPeerConnection();
            window.many.push(pc);
            const control = pc.createDataChannel('control');
            pc.addTrack(media.getAudioTracks()[0].clone(), media);
            await post(pc, `/pub/${room}/${prefix}${i}+1`);
          }));
        };
        window.closeMany = () => window.many.forEach(pc => pc.close());
        window.subState = () => window.sub ? window.sub.connectionState : 'none';
        // What the subscriber receives, by msid stream id (the publisher's full id): frames decoded, audio packets.
        window.received = async () => {
          const out = {};
          if (!window.sub) return JSON.stringify(out);
          const byTrack = {};
          window.sub.getReceivers().forEach(r => { byTrack[r.track.id] = r; });
          const stats = await window.sub.getStats();
          for (const [stream, tracks] of Object.entries(window.remote)) {
            const entry = out[stream] = { framesDecoded: 0, audioPackets: 0, frameWidth: 0 };
            stats.forEach(s => {
              if (s.type !== 'inbound-rtp' || !tracks.includes(s.trackIdentifier)) return;
              if (s.kind === 'video') {
                entry.framesDecoded += s.framesDecoded || 0;
                entry.frameWidth = Math.max(entry.frameWidth, s.frameWidth || 0);
              } else {
                entry.audioPackets += s.packetsReceived || 0;
              }
            });
          }
          return JSON.stringify(out);
        };
        """ + RateLimitedUdpRelay.CandidateRewriteJs + """
        </script>
        """;

    private WeeverTab(IPage page) => Page = page;

    public IPage Page { get; }

    public static async Task<WeeverTab> OpenAsync(IBrowser browser, Uri node)
    {
        var page = await browser.NewPageAsync();
        var url = new Uri(node, "/__test/room.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Html }));
        await page.GotoAsync(url);
        return new WeeverTab(page);
    }

    /// <summary>
    /// Joins <paramref name="room"/> as <paramref name="id"/> (a full id is made of it), publishing (a 640x360 camera
    /// as two simulcast layers when <paramref name="simulcast"/>) and subscribing (through <paramref name="relay"/>
    /// when given: every description from the node points at it).
    /// </summary>
    public async Task JoinAsync(string room, string id, bool video = true, bool audio = true, bool simulcast = false, IPEndPoint? relay = null)
    {
        var suffix = "+" + Environment.TickCount64.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (video || audio)
        {
            await Page.EvaluateAsync("([r, i, v, a, s]) => window.publish(r, i, v, a, s)", new object[] { room, id + suffix, video, audio, simulcast });
        }

        await Page.EvaluateAsync("([r, i, h, p]) => window.subscribe(r, i, h, p)", new object?[] { room, id + suffix, relay?.Address.ToString(), relay?.Port ?? 0 });
    }

    /// <summary>What this participant receives, by the publisher's full id.</summary>
    public async Task<Dictionary<string, Received>> ReceivedAsync() =>
        JsonSerializer.Deserialize<Dictionary<string, Received>>(await Page.EvaluateAsync<string>("() => window.received()"), JsonSerializerOptions.Web)!;

    public Task<Dictionary<string, Received>> WaitAsync(Func<Dictionary<string, Received>, bool> done, string what, int seconds = 30) =>
        BrowserSession.PollAsync(ReceivedAsync, done, TimeSpan.FromSeconds(seconds), what + " (received by publisher full id)");

    /// <summary>The control messages the subscriber got other than offers (<c>PUB_JOIN id</c>, <c>PUB_LEFT id</c>) and the publisher's replies.</summary>
    public async Task<string[]> LogAsync() => await Page.EvaluateAsync<string[]>("() => window.log");

    public Task<int> OffersAsync() => Page.EvaluateAsync<int>("() => window.offers");

    /// <summary>Sends <paramref name="text"/> on the subscriber's (or the publisher's) control channel.</summary>
    public Task SendControlAsync(string text, bool publisher = false) =>
        Page.EvaluateAsync(publisher ? "t => window.pubControl.send(t)" : "t => window.subControl.send(t)", text);

    public Task<string> SubscriberStateAsync() => Page.EvaluateAsync<string>("() => window.subState()");

    internal sealed record Received(long FramesDecoded, long AudioPackets, int FrameWidth = 0);
}
