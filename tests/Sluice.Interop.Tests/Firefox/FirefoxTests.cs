using System.Text.Json;
using Sluice.Interop.Tests.GStreamer;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Firefox;

/// <summary>
/// Firefox ESR (its own WebRTC stack: candidates per m-section, component 2 and TCP candidates) publishing and
/// playing through a real node on loopback, judged by its own getStats().
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class FirefoxTests
{
    /// <summary>Seconds between the first and last stats sample the assertions compare.</summary>
    private const int Window = 10;

    [PeerFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public async Task Vp8_and_opus_from_firefox_play_in_two_firefox_tabs()
    {
        await using var node = await FirefoxPeer.StartNodeAsync();
        await using var firefox = FirefoxPeer.Start(node, "firefox", "firefox", players: 2, seconds: Window + 1);
        await firefox.WaitForLineAsync(line => line == "all connected", TimeSpan.FromSeconds(40), "Firefox's publisher and two players connected");

        var stream = await StreamAsync(node, "firefox");
        var publisher = stream.GetProperty("publisher");
        var codecs = publisher.GetProperty("codecs").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.True(codecs.Contains("video/VP8") && codecs.Contains("audio/opus"), $"the node sees Firefox's codecs as [{string.Join(", ", codecs)}]\n{firefox.Tail(40)}");
        Assert.Equal(2, stream.GetProperty("subscribers").GetArrayLength());

        await firefox.WaitForLineAsync(line => line == "done", TimeSpan.FromSeconds(Window + 20), "Firefox's end");
        AssertPlayed(firefox, "player1");
        AssertPlayed(firefox, "player2");
        var sent = FirefoxPeer.Stats(firefox, "publisher");
        Assert.Equal("video/VP8", sent[^1].GetProperty("out-video").GetProperty("codec").GetString());
    }

    [PeerFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public async Task Vp8_and_opus_from_gstreamer_play_in_firefox()
    {
        await using var node = await FirefoxPeer.StartNodeAsync();
        await using var gstreamer = GStreamerPeer.Publish(new Uri(node.BaseUri, "/whip/gst"), "vp8");
        await GStreamerPeer.WaitConnectedAsync(gstreamer, "the GStreamer publisher");

        await using var firefox = FirefoxPeer.Start(node, whipStream: null, "gst", players: 1, seconds: Window + 1);
        await firefox.WaitForLineAsync(line => line == "done", TimeSpan.FromSeconds(Window + 30), $"Firefox's end\n{GStreamerPeer.Tails(gstreamer)}");
        AssertPlayed(firefox, "player1");
    }

    /// <summary>
    /// Over the window: at least 100 VP8 frames decoded (10 fps of a 30 fps source, a lenient bar for two cores
    /// shared by everything), and audio packets arriving (Opus sends 50 a second).
    /// </summary>
    private static void AssertPlayed(PeerProcess firefox, string tab)
    {
        var stats = FirefoxPeer.Stats(firefox, tab);
        Assert.True(stats.Count == Window + 1, $"{tab}: {stats.Count} stats samples, wanted {Window + 1}\n{firefox.Tail(60)}");
        var first = stats[0];
        var last = stats[^1];
        var frames = FirefoxPeer.Counter(last, "in-video", "framesDecoded") - FirefoxPeer.Counter(first, "in-video", "framesDecoded");
        var audio = FirefoxPeer.Counter(last, "in-audio", "packets") - FirefoxPeer.Counter(first, "in-audio", "packets");
        var context = $"{tab} first {first}\nlast {last}\n{firefox.Tail(30)}";
        Assert.True(frames >= 100, $"{tab} decoded {frames} video frames in {Window} s, wanted at least 100; {context}");
        Assert.True(audio >= 100, $"{tab} received {audio} audio packets in {Window} s, wanted at least 100; {context}");
        Assert.Equal("video/VP8", last.GetProperty("in-video").GetProperty("codec").GetString());
        Assert.Equal("audio/opus", last.GetProperty("in-audio").GetProperty("codec").GetString());
    }

    private static async Task<JsonElement> StreamAsync(TestNode node, string stream)
    {
        using var response = await node.Http.GetAsync("/api/streams/" + stream);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/streams/{stream}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
