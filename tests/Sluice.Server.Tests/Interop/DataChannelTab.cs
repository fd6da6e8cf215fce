using System.Text.Json;
using Microsoft.Playwright;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// One Chromium tab with data channels on a WHIP or WHEP session, on the node's origin. The page keeps what it
/// saw (channels opened locally or by the node, open and close events, a SHA-256 digest per message received),
/// so tests compare digests rather than ship payloads through Playwright, and failures can print what each page saw.
/// </summary>
internal sealed class DataChannelTab
{
    private const string Html = """
        <!doctype html>
        <meta charset="utf-8">
        <title>sluice data channel test</title>
        <video id="v" autoplay muted playsinline></video>
        <script>
        const t0 = performance.now();
        const channels = [];
        const events = [];
        function note(text) { events.push(Math.round(performance.now() - t0) + 'ms ' + text); }
        const hex = buf => Array.from(new Uint8Array(buf), b => b.toString(16).padStart(2, '0')).join('');
        const utf8 = new TextEncoder();
        async function digest(data) {
          const bytes = typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data);
          return { t: typeof data === 'string' ? 'text' : 'binary', n: bytes.length, d: hex(await crypto.subtle.digest('SHA-256', bytes)) };
        }

        // Every channel the page knows, opened by itself ('local') or announced in ondatachannel ('remote').
        function track(dc, origin) {
          const ch = { dc, origin, opened: dc.readyState === 'open', closed: false, errors: [], received: [], pending: 0 };
          channels.push(ch);
          dc.binaryType = 'arraybuffer';
          const name = `${origin} '${dc.label}'`;
          dc.onopen = () => { ch.opened = true; note(name + ' open, id ' + dc.id); };
          dc.onclose = () => { ch.closed = true; note(name + ' close'); };
          dc.onerror = e => { const m = (e.error && e.error.message) || 'error'; ch.errors.push(m); note(name + ' error: ' + m); };
          dc.onmessage = e => {
            // The slot is taken in arrival order; digests finish asynchronously.
            const slot = ch.received.length;
            ch.received.push(null);
            ch.pending++;
            if (typeof e.data !== 'string' && !(e.data instanceof ArrayBuffer)) {
              ch.received[slot] = { t: 'unexpected ' + Object.prototype.toString.call(e.data), n: 0, d: '' };
              ch.pending--;
              return;
            }
            digest(e.data).then(m => {
              if (typeof e.data === 'string' && e.data.length <= 64) m.s = e.data;
              ch.received[slot] = m;
              ch.pending--;
            });
          };
          note(name + ' ' + (origin === 'local' ? 'created' : 'announced') + ', id ' + dc.id + ', state ' + dc.readyState);
          return ch;
        }
        function find(label, origin) {
          const found = channels.filter(c => c.dc.label === label && (!origin || c.origin === origin));
          if (found.length !== 1) throw new Error(`${found.length} channels labelled '${label}'` + (origin ? ` from ${origin}` : '') + '; have: ' +
            channels.map(c => `${c.origin} '${c.dc.label}'`).join(', '));
          return found[0];
        }

        // media: 'camera' (publish fake camera and microphone), 'receive' (recvonly video and audio) or 'none'.
        // Channels are created before the offer, so it carries the m=application section.
        window.start = async (url, media, wanted) => {
          const pc = window.pc = new RTCPeerConnection();
          pc.ondatachannel = e => track(e.channel, 'remote');
          pc.onconnectionstatechange = () => note('connection ' + pc.connectionState);
          if (media === 'camera') {
            const m = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 }, audio: true });
            pc.addTransceiver(m.getVideoTracks()[0], { direction: 'sendonly', streams: [m] });
            pc.addTransceiver(m.getAudioTracks()[0], { direction: 'sendonly', streams: [m] });
          } else if (media === 'receive') {
            pc.addTransceiver('video', { direction: 'recvonly' });
            pc.addTransceiver('audio', { direction: 'recvonly' });
            pc.ontrack = e => { const v = document.getElementById('v'); v.srcObject = v.srcObject || new MediaStream(); v.srcObject.addTrack(e.track); };
          }
          for (const c of wanted) track(pc.createDataChannel(c.label, c.options), 'local');
          await pc.setLocalDescription(await pc.createOffer());
          window.offerSdp = pc.localDescription.sdp;
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          window.answerStatus = res.status;
          if (res.status !== 201) throw new Error('POST ' + url + ' answered ' + res.status + ': ' + text);
          window.answerSdp = text;
          window.sessionUrl = res.headers.get('Location');
          await pc.setRemoteDescription({ type: 'answer', sdp: text });
        };

        window.report = () => JSON.stringify({
          connection: window.pc ? window.pc.connectionState : 'none',
          sctp: window.pc && window.pc.sctp ? window.pc.sctp.state : 'none',
          maxMessageSize: window.pc && window.pc.sctp ? window.pc.sctp.maxMessageSize : 0,
          channels: channels.map(c => ({
            label: c.dc.label, origin: c.origin, id: c.dc.id, protocol: c.dc.protocol, ordered: c.dc.ordered,
            maxRetransmits: c.dc.maxRetransmits, maxPacketLifeTime: c.dc.maxPacketLifeTime, negotiated: c.dc.negotiated,
            state: c.dc.readyState, opened: c.opened, closed: c.closed, errors: c.errors,
            received: c.received.length - c.pending, pending: c.pending, bufferedAmount: c.dc.bufferedAmount })),
          events: events.slice(-40),
        });

        // The digests of what a channel received, in arrival order (first..end), once those in progress are done.
        window.received = async (label, origin, first) => {
          const ch = find(label, origin);
          while (ch.pending > 0) await new Promise(r => setTimeout(r, 10));
          return JSON.stringify(ch.received.slice(first || 0));
        };

        // A deterministic filler (xorshift32), so payloads are incompressible and differ per message.
        function bytes(n, seed) {
          const out = new Uint8Array(n);
          let x = seed | 1;
          for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
          return out;
        }
        // Text of exactly n UTF-8 bytes, with two- and three-byte characters where they fit.
        function text(n, seed) {
          const raw = bytes(n, seed);
          let s = '', left = n, i = 0;
          while (left > 0) {
            const r = raw[i++ % n];
            if (r < 16 && left >= 3) { s += '\u20ac'; left -= 3; }
            else if (r < 40 && left >= 2) { s += '\u00e9'; left -= 2; }
            else { s += String.fromCharCode(32 + (r % 95)); left -= 1; }
          }
          return s;
        }
        // The sizes of a run: both ends of the range (1 byte and 256 KiB, as text and as binary) first and last,
        // a large message (128..256 KiB) every 40th, and the rest spread log-uniformly from 1 byte to 64 KiB.
        function sizeOf(i, count, max) {
          const ends = [1, 1, max, max];
          if (i < 4) return ends[i];
          if (i >= count - 4) return ends[count - 1 - i];
          const r = bytes(4, 7919 * i + 1);
          const u = ((r[0] << 16) | (r[1] << 8) | r[2]) / 0x1000000;
          if (i % 40 === 20) return Math.floor(max / 2 + u * (max / 2));
          return Math.max(1, Math.floor(Math.exp(u * Math.log(Math.min(65536, max)))));
        }

        // Sends count messages of mixed sizes, text on even indexes and binary on odd, keeping bufferedAmount bounded
        // (waits on bufferedamountlow). Returns the digests of what it sent, in order.
        window.sendMany = async (label, count, max) => {
          const ch = find(label, null);
          const dc = ch.dc;
          dc.bufferedAmountLowThreshold = 1 << 20;
          const sent = [];
          for (let i = 0; i < count; i++) {
            if (dc.readyState !== 'open') throw new Error(`'${label}' is ${dc.readyState} after ${i} messages`);
            if (dc.bufferedAmount > 4 << 20) {
              await new Promise((resolve, reject) => {
                dc.addEventListener('bufferedamountlow', resolve, { once: true });
                dc.addEventListener('close', () => reject(new Error(`'${label}' closed after ${i} messages, waiting on bufferedamountlow`)), { once: true });
              });
            }
            const n = sizeOf(i, count, max);
            const payload = i % 2 === 0 ? text(n, i + 1) : bytes(n, i + 1);
            sent.push(await digest(i % 2 === 0 ? payload : payload.buffer));
            dc.send(payload);
          }
          note(`sent ${count} on '${label}', ${sent.reduce((a, m) => a + m.n, 0)} bytes`);
          return JSON.stringify(sent);
        };

        window.send = (label, origin, message) => find(label, origin).dc.send(message);
        window.sendTexts = (label, origin, prefix, count) => { const dc = find(label, origin).dc; for (let i = 0; i < count; i++) dc.send(prefix + i); };

        window.closeChannel = (label, origin) => { note(`closing ${origin} '${label}'`); find(label, origin).dc.close(); };
        </script>
        """;

    private DataChannelTab(IPage page, string name)
    {
        Page = page;
        Name = name;
    }

    public IPage Page { get; }

    /// <summary>The tab's role in failure messages ("publisher", "subscriber A").</summary>
    public string Name { get; }

    public static async Task<DataChannelTab> OpenAsync(IBrowser browser, Uri node, string name)
    {
        var page = await browser.NewPageAsync();
        var url = new Uri(node, "/__test/datachannel.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Html }));
        await page.GotoAsync(url);
        return new DataChannelTab(page, name);
    }

    /// <summary>POSTs an offer with <paramref name="media"/> and the given channels (created before the offer) to <paramref name="path"/>.</summary>
    public Task StartAsync(string path, PageMedia media, params ChannelSpec[] channels) =>
        Page.EvaluateAsync("([u, m, c]) => window.start(u, m, c)", new object[]
        {
            path,
            media switch { PageMedia.Camera => "camera", PageMedia.Receive => "receive", _ => "none" },
            channels.Select(c => c.ToJs()).ToArray(),
        });

    public Task WaitConnectedAsync() => Page.WaitForFunctionAsync("() => window.pc && window.pc.connectionState === 'connected'", null,
        new PageWaitForFunctionOptions { Timeout = 20_000 });

    public async Task<PageReport> ReportAsync() =>
        JsonSerializer.Deserialize<PageReport>(await Page.EvaluateAsync<string>("() => window.report()"), JsonSerializerOptions.Web)!;

    public Task<string> AnswerSdpAsync() => Page.EvaluateAsync<string>("() => window.answerSdp || ''");

    /// <summary>Digests of the messages the channel received, in arrival order, from index <paramref name="first"/>.</summary>
    public async Task<List<MessageDigest>> ReceivedAsync(string label, ChannelOrigin origin, int first = 0) =>
        JsonSerializer.Deserialize<List<MessageDigest>>(
            await Page.EvaluateAsync<string>("([l, o, f]) => window.received(l, o, f)", new object[] { label, Js(origin), first }),
            JsonSerializerOptions.Web)!;

    /// <summary>Sends <paramref name="count"/> messages of mixed sizes up to <paramref name="maxSize"/> bytes; returns their digests.</summary>
    public async Task<List<MessageDigest>> SendManyAsync(string label, int count, int maxSize) =>
        JsonSerializer.Deserialize<List<MessageDigest>>(
            await Page.EvaluateAsync<string>("([l, c, m]) => window.sendMany(l, c, m)", new object[] { label, count, maxSize }),
            JsonSerializerOptions.Web)!;

    public Task SendAsync(string label, ChannelOrigin origin, string text) =>
        Page.EvaluateAsync("([l, o, t]) => window.send(l, o, t)", new object[] { label, Js(origin), text });

    /// <summary>Sends the texts <paramref name="prefix"/>0 .. <paramref name="prefix"/>(count - 1), in one go.</summary>
    public Task SendTextsAsync(string label, ChannelOrigin origin, string prefix, int count) =>
        Page.EvaluateAsync("([l, o, p, c]) => window.sendTexts(l, o, p, c)", new object[] { label, Js(origin), prefix, count });

    public Task CloseChannelAsync(string label, ChannelOrigin origin) =>
        Page.EvaluateAsync("([l, o]) => window.closeChannel(l, o)", new object[] { label, Js(origin) });

    private static string Js(ChannelOrigin origin) => origin == ChannelOrigin.Local ? "local" : "remote";
}

internal enum PageMedia
{
    None,
    Camera,
    Receive,
}

/// <summary>Who opened a channel, as the page sees it: the page itself, or the node (announced in ondatachannel).</summary>
internal enum ChannelOrigin
{
    Local,
    Remote,
}

/// <summary>A channel the page creates before its offer, with RTCDataChannelInit options.</summary>
internal sealed record ChannelSpec(string Label, bool Ordered = true, int? MaxRetransmits = null, string Protocol = "")
{
    public object ToJs() => MaxRetransmits is { } retransmits
        ? new { label = Label, options = new { ordered = Ordered, maxRetransmits = retransmits, protocol = Protocol } }
        : new { label = Label, options = (object)new { ordered = Ordered, protocol = Protocol } };
}

internal sealed record PageReport(string Connection, string Sctp, long MaxMessageSize, List<ChannelReport> Channels, List<string> Events)
{
    public IEnumerable<ChannelReport> Named(string label, ChannelOrigin origin) =>
        Channels.Where(c => c.Label == label && c.Origin == (origin == ChannelOrigin.Local ? "local" : "remote"));

    /// <summary>The one channel with this label and origin, or null when there is none (several: also null, and the report shows them).</summary>
    public ChannelReport? One(string label, ChannelOrigin origin)
    {
        var found = Named(label, origin).ToList();
        return found.Count == 1 ? found[0] : null;
    }
}

internal sealed record ChannelReport(
    string Label, string Origin, int? Id, string Protocol, bool Ordered, int? MaxRetransmits, int? MaxPacketLifeTime, bool Negotiated,
    string State, bool Opened, bool Closed, List<string> Errors, int Received, int Pending, long BufferedAmount);

/// <summary>A message as a page saw it: its type ("text" or "binary"), its length in bytes, its SHA-256, and short texts verbatim.</summary>
internal sealed record MessageDigest(string T, int N, string D, string? S = null)
{
    /// <summary>Same type, length and digest (the short text kept on one side only does not count).</summary>
    public bool SameAs(MessageDigest other) => T == other.T && N == other.N && D == other.D;

    public override string ToString() => S is null ? $"{T} {N} B {D[..Math.Min(12, D.Length)]}" : $"{T} '{S}'";
}
