using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// Chromium publishes VP8 simulcast (q, h, f from a 1280x720 camera) and a Chromium player uses live777's layer API:
/// the answer links to it, it lists the encodings, pinning q brings the player's picture down to 320 wide, and the
/// automatic choice brings it back up; the picture stays decodable across every switch; muting video for the player
/// stops it and unmuting resumes it.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumSimulcastTests(ITestOutputHelper log)
{
    private const string Page = """
        <!doctype html>
        <title>sluice simulcast test</title>
        <script>
        """ + BrowserPages.SimulcastPublishJs + """
        window.play = async (url) => {
          const pc = window.sub = new RTCPeerConnection();
          pc.addTransceiver('video', { direction: 'recvonly' });
          await pc.setLocalDescription(await pc.createOffer());
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(res.status + ' ' + text);
          await pc.setRemoteDescription({ type: 'answer', sdp: text });
          return { location: res.headers.get('Location'), link: res.headers.get('Link') };
        };
        window.video = async () => {
          let found = null;
          (await window.sub.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') found = r; });
          return found ? { width: found.frameWidth || 0, decoded: found.framesDecoded || 0 } : { width: 0, decoded: 0 };
        };
        </script>
        """;

    [ChromiumFact]
    public async Task The_layer_api_pins_the_low_layer_and_returns_to_the_automatic_choice()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        var page = await chromium.Browser.NewPageAsync();
        var url = new Uri(node.BaseUri, "/__test/simulcast.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Page }));
        await page.GotoAsync(url);
        await page.EvaluateAsync("url => window.publish(url)", "/whip/sim");
        await Poll.Until(() => node.Node.TryGetStream("sim", out var s) && s!.FindTrack(MediaKind.Video) is { Encodings.Length: 3 } track
            && track.Encodings.Count(e => e.Bitrate > 0) >= 2, "two or more of the three layers to flow", timeoutSeconds: 20);
        node.Node.TryGetStream("sim", out var stream);
        var track = stream!.FindTrack(MediaKind.Video)!;
        log.WriteLine(string.Join(", ", track.Encodings.Select(e => $"{e.Rid} {e.Bitrate / 1000} kbit/s")));

        var played = await page.EvaluateAsync<JsonElement>("url => window.play(url)", "/whep/sim");
        var link = played.GetProperty("link").GetString()!;
        var location = played.GetProperty("location").GetString()!;
        Assert.Contains($"<{location}/layer>; rel=\"urn:ietf:params:whep:ext:core:layer\"", link, StringComparison.Ordinal);
        await page.WaitForFunctionAsync("async () => (await window.video()).decoded > 30", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 200 });

        using var layers = JsonDocument.Parse(await node.Http.GetStringAsync(location + "/layer"));
        Assert.Equal(["q", "h", "f"], layers.RootElement.EnumerateArray().Select(l => l.GetProperty("encodingId").GetString()));
        Assert.Equal([320, 640, 1280], layers.RootElement.EnumerateArray().Select(l => l.GetProperty("width").GetInt32()));
        Assert.Equal([180, 360, 720], layers.RootElement.EnumerateArray().Select(l => l.GetProperty("height").GetInt32()));

        // With the node's transport-wide feedback the publisher's own estimate climbs and it sends every layer;
        // an unlimited player gets the top one.
        var subscription = stream.Subscribers.Single().Subscriptions.Single(s => s.Kind == MediaKind.Video);
        await Poll.Until(() => subscription.ForwardedEncoding?.Rid == "f", "the unlimited player to get f", timeoutSeconds: 15);
        await page.WaitForFunctionAsync("async () => (await window.video()).width === 1280", null, new PageWaitForFunctionOptions { Timeout = 5_000, PollingInterval = 100 });
        log.WriteLine(string.Join(", ", track.Encodings.Select(e => $"{e.Rid} {e.Bitrate / 1000} kbit/s")));
        await Poll.Until(() => stream.Publisher!.TransportFeedbacksSent > 10, "the node to send the publisher transport-wide feedback", timeoutSeconds: 5);

        using (var pin = await node.Http.PostAsJsonAsync(location + "/layer", new { encodingId = "q" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, pin.StatusCode);
        }

        // The switch waits for q's next keyframe (asked for at once); then the player's picture is q's.
        var pinned = DateTime.UtcNow;
        await Poll.Until(() => subscription.ForwardedEncoding?.Rid == "q", "the subscriber to get q", timeoutSeconds: 3);
        await page.WaitForFunctionAsync("async () => (await window.video()).width === 320", null, new PageWaitForFunctionOptions { Timeout = 3_000, PollingInterval = 100 });
        log.WriteLine($"q pinned: the player shows 320 wide {(DateTime.UtcNow - pinned).TotalMilliseconds:0} ms later");
        using (var listed = JsonDocument.Parse(await node.Http.GetStringAsync(location + "/layer")))
        {
            Assert.Equal("q", listed.RootElement.EnumerateArray().Single(l => l.GetProperty("selected").GetBoolean()).GetProperty("encodingId").GetString());
        }

        // The admin API and the metrics show it.
        using (var listed = JsonDocument.Parse(await node.Http.GetStringAsync("/api/streams/sim")))
        {
            var layer = listed.RootElement.GetProperty("subscribers")[0].GetProperty("layers")[0];
            Assert.Equal(("q", "q"), (layer.GetProperty("encoding").GetString(), layer.GetProperty("pinned").GetString()));
        }

        Assert.Matches(@"sluice_layer_switches_total [1-9]", await node.Http.GetStringAsync("/metrics"));

        using (var unknown = await node.Http.PostAsJsonAsync(location + "/layer", new { encodingId = "x" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("q, h, f", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var back = await node.Http.PostAsJsonAsync(location + "/layer", new { encodingId = (string?)null }))
        {
            Assert.Equal(HttpStatusCode.NoContent, back.StatusCode);
        }

        await Poll.Until(() => subscription.ForwardedEncoding?.Index == track.PreferredEncoding && subscription.ForwardedEncoding.Rid != "q",
            "the subscriber to be back on the automatic choice", timeoutSeconds: 3);
        await page.WaitForFunctionAsync("async () => (await window.video()).width > 320", null, new PageWaitForFunctionOptions { Timeout = 3_000, PollingInterval = 100 });

        // Decoding went on across the switches.
        var before = (await page.EvaluateAsync<JsonElement>("() => window.video()")).GetProperty("decoded").GetInt32();
        await page.WaitForFunctionAsync($"async () => (await window.video()).decoded > {before + 30}", null, new PageWaitForFunctionOptions { Timeout = 5_000, PollingInterval = 100 });
        Assert.True(subscription.LayerSwitches >= 2, $"{subscription.LayerSwitches} layer switches");

        // live777's session update mutes a kind for this subscriber, and unmutes it.
        using (var bad = await node.Http.PostAsJsonAsync(location, new { kind = "smell", enabled = false }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var mute = await node.Http.PostAsJsonAsync(location, new { kind = "video", enabled = false }))
        {
            Assert.Equal(HttpStatusCode.NoContent, mute.StatusCode);
        }

        await Task.Delay(300);
        var sent = subscription.PacketsSent;
        await Task.Delay(1000);
        Assert.Equal(sent, subscription.PacketsSent);
        using (var unmute = await node.Http.PostAsJsonAsync(location, new { kind = "video", enabled = true }))
        {
            Assert.Equal(HttpStatusCode.NoContent, unmute.StatusCode);
        }

        var paused = (await page.EvaluateAsync<JsonElement>("() => window.video()")).GetProperty("decoded").GetInt32();
        await page.WaitForFunctionAsync($"async () => (await window.video()).decoded > {paused + 30}", null, new PageWaitForFunctionOptions { Timeout = 5_000, PollingInterval = 100 });
    }

    private static async Task<int> Width(IPage page) => (await page.EvaluateAsync<JsonElement>("() => window.video()")).GetProperty("width").GetInt32();
}
