using System.Text.Json;
using Microsoft.Playwright;

namespace Sluice.DataChannelBench;

/// <summary>
/// One Chromium tab on the node's origin (served by Playwright, so WHIP and WHEP are same-origin) that holds both ends
/// of a direct connection, or publishes a <c>bulk</c> channel over WHIP, or subscribes over WHEP and receives the
/// node-opened <c>bulk</c>, or both of the last two (one tab sending to itself through the node). The page counts what arrives itself; only counters travel through Playwright.
/// </summary>
internal sealed class BenchPage
{
    private const string Html = """
        <!doctype html>
        <meta charset="utf-8">
        <title>sluice data channel bench</title>
        <script>
        const rx = { bytes: 0, msgs: 0, last: 0 };
        let tx = null;
        function receive(dc) {
          dc.binaryType = 'arraybuffer';
          dc.onmessage = e => {
            rx.msgs++;
            rx.bytes += typeof e.data === 'string' ? e.data.length : e.data.byteLength;
            rx.last = performance.now();
          };
        }
        const opened = dc => dc.readyState === 'open' ? Promise.resolve() : new Promise((resolve, reject) => {
          dc.addEventListener('open', resolve, { once: true });
          dc.addEventListener('close', () => reject(new Error(`'${dc.label}' closed before it opened`)), { once: true });
        });
        const gathered = pc => new Promise(resolve => {
          const check = () => pc.iceGatheringState === 'complete' && resolve();
          pc.addEventListener('icegatheringstatechange', check);
          check();
        });
        // The DTLS transport's counters of each peer connection in the page (the SCTP packets, retransmissions included)
        // and the local UDP port of its selected candidate pair.
        window.transports = async () => JSON.stringify(await Promise.all(window.pcs.map(async pc => {
          const stats = await pc.getStats();
          let t = { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0 };
          stats.forEach(s => { if (s.type === 'transport') t = s; });
          const pair = stats.get(t.selectedCandidatePairId);
          const local = pair && stats.get(pair.localCandidateId);
          return { packetsSent: t.packetsSent, packetsReceived: t.packetsReceived, bytesSent: t.bytesSent, bytesReceived: t.bytesReceived, port: local ? local.port : 0 };
        })));
        window.rxSnap = () => JSON.stringify({ t: performance.now(), bytes: rx.bytes, msgs: rx.msgs, last: rx.last });

        // Both ends in this page, candidates exchanged in the SDP once gathered. Without a media permission Chromium
        // hides host addresses behind mDNS names, which nothing answers in a loopback-only namespace.
        window.direct = async () => {
          const m = await navigator.mediaDevices.getUserMedia({ audio: true });
          m.getTracks().forEach(t => t.stop());
          const a = new RTCPeerConnection(), b = new RTCPeerConnection();
          window.pcs = [a, b];
          const remote = new Promise(resolve => { b.ondatachannel = e => resolve(e.channel); });
          tx = a.createDataChannel('bulk');
          await a.setLocalDescription();
          await gathered(a);
          await b.setRemoteDescription(a.localDescription);
          await b.setLocalDescription();
          await gathered(b);
          await a.setRemoteDescription(b.localDescription);
          const dc = await remote;
          receive(dc);
          await opened(tx);
          await opened(dc);
        };

        async function post(pc, url) {
          await pc.setLocalDescription();
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
          await pc.setRemoteDescription({ type: 'answer', sdp: text });
        }

        // WHIP: the channel exists before the offer, so the offer carries the m=application section.
        window.publish = async url => {
          const pc = new RTCPeerConnection();
          (window.pcs = window.pcs || []).push(pc);
          tx = pc.createDataChannel('bulk');
          await post(pc, url);
          await opened(tx);
        };

        // WHEP: 'control' makes the offer carry data channels; the node opens 'bulk' toward us with the publisher's options.
        window.subscribe = async url => {
          const pc = new RTCPeerConnection();
          (window.pcs = window.pcs || []).push(pc);
          const remote = new Promise(resolve => { pc.ondatachannel = e => { if (e.channel.label === 'bulk') resolve(e.channel); }; });
          window.control = pc.createDataChannel('control');
          await post(pc, url);
          const dc = await remote;
          receive(dc);
          await opened(dc);
        };

        // Sends size-byte binary messages for ms milliseconds, keeping bufferedAmount under high: past it, waits for
        // bufferedamountlow (at low). A wait longer than 2 s is counted as a stall.
        window.sendFor = async (size, ms, high, low) => {
          const dc = tx;
          dc.bufferedAmountLowThreshold = low;
          const payload = new Uint8Array(size);
          for (let o = 0; o < size; o += 65536) crypto.getRandomValues(payload.subarray(o, Math.min(size, o + 65536)));
          let msgs = 0, waits = 0, stalls = 0, longestWait = 0;
          const t0 = performance.now(), end = t0 + ms;
          while (performance.now() < end) {
            if (dc.readyState !== 'open') throw new Error(`'${dc.label}' is ${dc.readyState} after ${msgs} messages`);
            for (let n = 1; dc.bufferedAmount < high; n++) {
              dc.send(payload);
              msgs++;
              if (n % 512 === 0 && performance.now() >= end) break;
            }
            if (performance.now() >= end) break;
            const w0 = performance.now();
            await new Promise(resolve => {
              const timer = setTimeout(resolve, 2000);
              dc.addEventListener('bufferedamountlow', () => { clearTimeout(timer); resolve(); }, { once: true });
            });
            const waited = performance.now() - w0;
            waits++;
            longestWait = Math.max(longestWait, waited);
            if (waited >= 2000) stalls++;
          }
          return JSON.stringify({ msgs, bytes: msgs * size, ms: performance.now() - t0, waits, stalls, longestWait, bufferedAmount: dc.bufferedAmount });
        };
        </script>
        """;

    private BenchPage(IPage page) => Page = page;

    public IPage Page { get; }

    public static async Task<BenchPage> OpenAsync(IBrowser browser, Uri node, string name)
    {
        var page = await browser.NewPageAsync();
        var url = new Uri(node, $"/__bench/{name}.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Html }));
        await page.GotoAsync(url);
        return new BenchPage(page);
    }

    public Task DirectAsync() => Page.EvaluateAsync("() => window.direct()");

    public Task PublishAsync(string path) => Page.EvaluateAsync("u => window.publish(u)", path);

    public Task SubscribeAsync(string path) => Page.EvaluateAsync("u => window.subscribe(u)", path);

    public async Task<Received> ReceivedAsync() =>
        JsonSerializer.Deserialize<Received>(await Page.EvaluateAsync<string>("() => window.rxSnap()"), JsonSerializerOptions.Web)!;

    /// <summary>The DTLS transport counters of the page's peer connections in the order they were made (sender first).</summary>
    public async Task<List<TransportCounters>> TransportsAsync() =>
        JsonSerializer.Deserialize<List<TransportCounters>>(await Page.EvaluateAsync<string>("() => window.transports()"), JsonSerializerOptions.Web)!;

    public async Task<Sent> SendForAsync(int size, TimeSpan duration, int high, int low) =>
        JsonSerializer.Deserialize<Sent>(
            await Page.EvaluateAsync<string>("([s, ms, h, l]) => window.sendFor(s, ms, h, l)", new object[] { size, duration.TotalMilliseconds, high, low }),
            JsonSerializerOptions.Web)!;
}

/// <summary>What a page's receiving channel has counted, at page time <see cref="T"/> (ms); <see cref="Last"/> is the last arrival.</summary>
internal sealed record Received(double T, long Bytes, long Msgs, double Last);

/// <summary>What <c>sendFor</c> sent: messages, bytes, its duration (ms), its waits for bufferedamountlow and those past 2 s.</summary>
internal sealed record Sent(long Msgs, long Bytes, double Ms, long Waits, long Stalls, double LongestWait, long BufferedAmount);

/// <summary>
/// An RTCTransportStats' counters (DTLS records, so SCTP packets, retransmissions included) and the local UDP port
/// of the selected candidate pair.
/// </summary>
internal sealed record TransportCounters(long PacketsSent, long PacketsReceived, long BytesSent, long BytesReceived, int Port)
{
    public static TransportCounters operator -(TransportCounters a, TransportCounters b) =>
        new(a.PacketsSent - b.PacketsSent, a.PacketsReceived - b.PacketsReceived, a.BytesSent - b.BytesSent, a.BytesReceived - b.BytesReceived, a.Port);
}
