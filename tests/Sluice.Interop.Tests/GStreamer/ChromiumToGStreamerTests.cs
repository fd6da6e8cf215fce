using Microsoft.Playwright;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Interop.Tests.GStreamer;

/// <summary>
/// The dashboard's case: a browser (Chromium, with its RTX, header extensions and SSRC groups) publishes, and
/// GStreamer webrtcbin plays it over WHEP.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class ChromiumToGStreamerTests
{
    private const string PublisherPage = """
        <!doctype html>
        <title>sluice gstreamer test publisher</title>
        <script>
        window.publish = async (url) => {
          const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 }, audio: true });
          const pc = window.pc = new RTCPeerConnection();
          const video = pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', streams: [media] });
          pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
          const codecs = RTCRtpSender.getCapabilities('video').codecs;
          video.setCodecPreferences([...codecs.filter(c => c.mimeType === 'video/VP8'), ...codecs.filter(c => c.mimeType !== 'video/VP8')]);
          await pc.setLocalDescription(await pc.createOffer());
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(res.status + ' ' + text);
          await pc.setRemoteDescription({ type: 'answer', sdp: text });
        };
        </script>
        """;

    [PeerAndChromiumFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public async Task Vp8_and_opus_from_chromium_play_smoothly_in_gstreamer()
    {
        await using var node = await TestNode.StartAsync();
        // A 30 fps camera, so that the 20 fps the player must decode leaves room for a busy host (the fake camera's
        // default is exactly 20 fps, which left none).
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        // The page is on the node's origin (Playwright serves it), as the dashboard's publisher is.
        var page = await chromium.Browser.NewPageAsync();
        var url = new Uri(node.BaseUri, "/__test/gstreamer-publisher.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = PublisherPage }));
        await page.GotoAsync(url);
        await page.EvaluateAsync("url => window.publish(url)", "/whip/chromium");
        await page.WaitForFunctionAsync("() => window.pc.connectionState === 'connected'", null, new PageWaitForFunctionOptions { Timeout = 15_000 });

        await using var player = GStreamerPeer.Play(new Uri(node.BaseUri, "/whep/chromium"), 13);
        await player.WaitForLineAsync(line => line == "done", TimeSpan.FromSeconds(30), "the player's end");
        GStreamerPeer.AssertSmooth(player, 10, 20);
    }
}
