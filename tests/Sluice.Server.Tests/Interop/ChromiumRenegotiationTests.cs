using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;
using Sluice.Testing;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// Sessions with several tracks and renegotiation, with Chromium on both ends: a publisher whose offer carries
/// two video tracks (its camera and a canvas capture), a publisher adding and stopping a track with new offers on
/// its session (PATCH application/sdp), and the node offering a live subscriber session a third track and later
/// stopping it, while the first video decodes throughout.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumRenegotiationTests
{
    [ChromiumFact]
    public async Task A_publisher_with_camera_and_canvas_reaches_a_subscriber_as_two_video_tracks()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await Tab.OpenAsync(chromium.Browser, node.BaseUri);
        await publisher.Page.EvaluateAsync("() => window.publish('/whip/two', true)");
        await publisher.WaitConnectedAsync();
        await Poll.Until(() => node.Node.TryGetStream("two", out var room) && room!.PublishedTracks.Length == 3, "the publisher's three tracks");

        var player = await Tab.OpenAsync(chromium.Browser, node.BaseUri);
        await player.Page.EvaluateAsync("() => window.play('/whep/two', 2)");
        await player.WaitConnectedAsync();
        var stats = await player.WaitAsync(s => s.Count(t => t.Value.Kind == "video" && t.Value.FramesDecoded >= 30) == 2
            && s.Values.Any(t => t.Kind == "audio" && t.PacketsReceived >= 50), "two video tracks decoding and audio");

        var videos = stats.Values.Where(t => t.Kind == "video").ToList();
        Assert.NotEqual(videos[0].TrackIdentifier, videos[1].TrackIdentifier);

        // The camera (16:9) and the canvas (4:3) arrive as themselves, not twice the same; aspect survives scaling.
        Assert.Equal(["16:9", "4:3"], videos.Select(Aspect).Order(StringComparer.Ordinal).ToArray());
    }

    [ChromiumFact]
    public async Task A_track_added_and_removed_by_renegotiation_reaches_a_live_subscriber_while_the_first_video_decodes()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await Tab.OpenAsync(chromium.Browser, node.BaseUri);
        await publisher.Page.EvaluateAsync("() => window.publish('/whip/grow', false)");
        await publisher.WaitConnectedAsync();

        var player = await Tab.OpenAsync(chromium.Browser, node.BaseUri);
        await player.Page.EvaluateAsync("() => window.play('/whep/grow', 1)");
        await player.WaitConnectedAsync();
        await player.WaitAsync(s => s.Values.Any(t => t.Kind == "video" && t.FramesDecoded >= 30), "the camera decoding");
        Assert.True(node.Node.TryGetStream("grow", out var room));
        var subscriber = room!.Subscribers.Single();

        // The publisher adds its canvas with a new offer on the same session.
        await publisher.Page.EvaluateAsync("() => window.addCanvas()");
        await Poll.Until(() => room.PublishedTracks.Length == 3, "the publisher's third track");
        var cameraBefore = CameraFrames(await player.StatsAsync());

        // The node offers the subscriber the new track. An answer naming a mid never offered is refused first,
        // and the session keeps its state; the real answer then adds the track.
        var offer = await node.Node.CreateOfferAsync(room.Id, subscriber.Id);
        Assert.Null(offer.Error);
        var answer = await player.Page.EvaluateAsync<string>("o => window.answer(o)", offer.Value);
        var forged = answer.Replace("a=mid:2", "a=mid:nine", StringComparison.Ordinal);
        var refused = await node.Node.ApplyAnswerAsync(room.Id, subscriber.Id, forged);
        Assert.Equal(SfuErrorKind.InvalidAnswer, refused.Error?.Kind);
        Assert.Contains("nine", refused.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(2, subscriber.Subscriptions.Length);
        var malformed = await node.Node.ApplyAnswerAsync(room.Id, subscriber.Id, "v=0\r\nnot an answer");
        Assert.Equal(SfuErrorKind.InvalidAnswer, malformed.Error?.Kind);
        Assert.Equal(2, subscriber.Subscriptions.Length);

        var applied = await node.Node.ApplyAnswerAsync(room.Id, subscriber.Id, answer);
        Assert.Null(applied.Error);
        Assert.Equal(3, subscriber.Subscriptions.Length);
        var grown = await player.WaitAsync(s => s.TryGetValue("2", out var canvas) && canvas.FramesDecoded >= 30 && CameraFrames(s) >= cameraBefore + 30,
            "the added canvas track decoding, and the camera still decoding");
        Assert.Equal("4:3", Aspect(grown["2"]));
        Assert.Equal("16:9", Aspect(grown["0"]));

        // The publisher stops the canvas; the node stops the subscriber's section for it, and the camera goes on.
        await publisher.Page.EvaluateAsync("() => window.removeCanvas()");
        await Poll.Until(() => room.PublishedTracks.Length == 2, "the canvas track to end");
        var stop = await node.Node.CreateOfferAsync(room.Id, subscriber.Id);
        Assert.Null(stop.Error);
        Assert.Contains("a=inactive", stop.Value, StringComparison.Ordinal);
        var stopAnswer = await player.Page.EvaluateAsync<string>("o => window.answer(o)", stop.Value);
        Assert.Null((await node.Node.ApplyAnswerAsync(room.Id, subscriber.Id, stopAnswer)).Error);
        Assert.Equal(2, subscriber.Subscriptions.Length);
        var cameraAtStop = CameraFrames(await player.StatsAsync());
        await player.WaitAsync(s => CameraFrames(s) >= cameraAtStop + 30, "the camera decoding after the track stopped");
        Assert.Equal("connected", await player.Page.EvaluateAsync<string>("() => window.pc.connectionState"));
    }

    private static string Aspect(TrackStats video) =>
        video.FrameHeight == 0 ? "none" : Math.Abs(video.FrameWidth * 3 - video.FrameHeight * 4) <= 4 ? "4:3"
            : Math.Abs(video.FrameWidth * 9 - video.FrameHeight * 16) <= 16 ? "16:9" : $"{video.FrameWidth}x{video.FrameHeight}";

    private static long CameraFrames(Dictionary<string, TrackStats> stats) => stats.TryGetValue("0", out var camera) ? camera.FramesDecoded : 0;

    private sealed class Tab
    {
        private const string Html = """
            <!doctype html>
            <title>sluice renegotiation test</title>
            <canvas id="c" width="320" height="240"></canvas>
            <script>
            function canvasTrack() {
              const canvas = document.getElementById('c');
              const g = canvas.getContext('2d');
              let n = 0;
              setInterval(() => { g.fillStyle = `hsl(${(n++ * 7) % 360} 80% 50%)`; g.fillRect(0, 0, 320, 240); g.fillStyle = '#fff'; g.fillText(String(n), 20, 20); }, 33);
              return canvas.captureStream(30).getVideoTracks()[0];
            }
            async function exchange(method, url, sdp, status) {
              const res = await fetch(url, { method, headers: { 'Content-Type': 'application/sdp' }, body: sdp });
              const text = await res.text();
              if (res.status !== status) throw new Error(res.status + ' ' + text);
              return { text, location: res.headers.get('Location') };
            }
            async function offer(pc, method, url, status) {
              await pc.setLocalDescription(await pc.createOffer());
              const res = await exchange(method, url, pc.localDescription.sdp, status);
              if (res.location) window.sessionUrl = res.location;
              await pc.setRemoteDescription({ type: 'answer', sdp: res.text });
            }
            window.publish = async (url, withCanvas) => {
              const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 }, audio: true });
              const pc = window.pc = new RTCPeerConnection();
              pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', streams: [media] });
              pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
              if (withCanvas) window.canvasSender = pc.addTransceiver(canvasTrack(), { direction: 'sendonly' }).sender;
              await offer(pc, 'POST', url, 201);
            };
            window.addCanvas = async () => {
              window.canvasSender = window.pc.addTransceiver(canvasTrack(), { direction: 'sendonly' }).sender;
              await offer(window.pc, 'PATCH', window.sessionUrl, 200);
            };
            window.removeCanvas = async () => {
              window.pc.removeTrack(window.canvasSender);
              await offer(window.pc, 'PATCH', window.sessionUrl, 200);
            };
            window.play = async (url, videos) => {
              const pc = window.pc = new RTCPeerConnection();
              for (let i = 0; i < videos; i++) pc.addTransceiver('video', { direction: 'recvonly' });
              pc.addTransceiver('audio', { direction: 'recvonly' });
              await offer(pc, 'POST', url, 201);
            };
            window.answer = async (sdp) => {
              await window.pc.setRemoteDescription({ type: 'offer', sdp });
              await window.pc.setLocalDescription(await window.pc.createAnswer());
              return window.pc.localDescription.sdp;
            };
            window.tracks = async () => {
              const out = {};
              (await window.pc.getStats()).forEach(s => {
                if (s.type === 'inbound-rtp') out[s.mid] = { kind: s.kind, packetsReceived: s.packetsReceived || 0, framesDecoded: s.framesDecoded || 0,
                  frameHeight: s.frameHeight || 0, frameWidth: s.frameWidth || 0, trackIdentifier: s.trackIdentifier || '' };
              });
              return JSON.stringify(out);
            };
            </script>
            """;

        private Tab(IPage page) => Page = page;

        public IPage Page { get; }

        public static async Task<Tab> OpenAsync(IBrowser browser, Uri node)
        {
            var page = await browser.NewPageAsync();
            var url = new Uri(node, "/__test/renegotiation.html").ToString();
            await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Html }));
            await page.GotoAsync(url);
            return new Tab(page);
        }

        public Task WaitConnectedAsync() => Page.WaitForFunctionAsync("() => window.pc && window.pc.connectionState === 'connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });

        public async Task<Dictionary<string, TrackStats>> StatsAsync() =>
            JsonSerializer.Deserialize<Dictionary<string, TrackStats>>(await Page.EvaluateAsync<string>("() => window.tracks()"), JsonSerializerOptions.Web)!;

        public Task<Dictionary<string, TrackStats>> WaitAsync(Func<Dictionary<string, TrackStats>, bool> done, string what) =>
            BrowserSession.PollAsync(StatsAsync, done, TimeSpan.FromSeconds(30), what + " (stats by mid)");
    }

    private sealed record TrackStats(string Kind, long PacketsReceived, long FramesDecoded, int FrameHeight, int FrameWidth, string TrackIdentifier);
}
