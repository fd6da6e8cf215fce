using System.Text.Json;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.GStreamer;

/// <summary>
/// GStreamer 1.22 webrtcbin, a WebRTC stack we did not write, publishing over WHIP and playing over WHEP against a
/// real node on loopback. The player decodes what it gets and counts frames; the node's admin API is checked too.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class GStreamerTests
{
    private const int Window = 10;
    private const int MinimumFps = 20;

    [PeerFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public Task Vp8_and_opus_from_gstreamer_play_smoothly_in_gstreamer() => PublishAndPlay("vp8", dataChannel: false, "video/VP8");

    [PeerFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public Task Vp8_and_opus_from_gstreamer_with_a_data_channel_play_smoothly_in_gstreamer() => PublishAndPlay("vp8", dataChannel: true, "video/VP8");

    [PeerFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public Task H264_and_opus_from_gstreamer_play_smoothly_in_gstreamer() => PublishAndPlay("h264", dataChannel: false, "video/H264");

    /// <summary>
    /// libnice (webrtcbin 1.22) sends no binding request after nomination, only a keepalive binding indication every
    /// 25 s, so a node that waits for consent checks would end every GStreamer session after its consent timeout
    /// (shortened here from 30 s to 12 s so that the test sees it).
    /// </summary>
    [PeerFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public async Task A_gstreamer_player_keeps_playing_past_the_consent_timeout()
    {
        const int seconds = 20;
        await using var node = await TestNode.StartAsync("--ConsentTimeoutSeconds", "12");
        await using var publisher = GStreamerPeer.Publish(new Uri(node.BaseUri, "/whip/long"), "vp8", seconds: seconds + 10);
        await GStreamerPeer.WaitConnectedAsync(publisher, "the GStreamer publisher");
        await using var player = GStreamerPeer.Play(new Uri(node.BaseUri, "/whep/long"), seconds);
        await player.WaitForLineAsync(line => line == "done", TimeSpan.FromSeconds(seconds + 10), "the player's end");
        GStreamerPeer.AssertSmooth(player, seconds - 3, MinimumFps, publisher);
    }

    /// <summary>
    /// webrtcbin's default bundle policy is none: one ICE/DTLS transport per m-section, each with its own ICE
    /// credentials and port, and no BUNDLE group. A node may play both sections or refuse the offer with a
    /// 4xx that says why; what it must not do is answer 201 and deliver one section only.
    /// </summary>
    [PeerFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public async Task A_gstreamer_player_without_bundle_plays_both_sections_or_is_refused()
    {
        await using var node = await TestNode.StartAsync();
        await using var publisher = GStreamerPeer.Publish(new Uri(node.BaseUri, "/whip/unbundled"), "vp8");
        await GStreamerPeer.WaitConnectedAsync(publisher, "the GStreamer publisher");
        await using var player = GStreamerPeer.Play(new Uri(node.BaseUri, "/whep/unbundled"), Window + 3, "--bundle-policy", "none");
        await player.WaitForLineAsync(line => line is "done" or "error offer refused", TimeSpan.FromSeconds(Window + 20), "the player's end");
        if (player.Lines.Any(line => line.StartsWith("http 4", StringComparison.Ordinal) && line.Contains("BUNDLE", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        GStreamerPeer.AssertSmooth(player, Window, MinimumFps, publisher);
    }

    private static async Task PublishAndPlay(string video, bool dataChannel, string mimeType)
    {
        await using var node = await TestNode.StartAsync();
        var stream = "gst-" + video + (dataChannel ? "-dc" : string.Empty);
        await using var publisher = GStreamerPeer.Publish(new Uri(node.BaseUri, "/whip/" + stream), video, dataChannel);
        await GStreamerPeer.WaitConnectedAsync(publisher, "the GStreamer publisher");

        var session = await PublisherSessionAsync(node, stream);
        var codecs = session.GetProperty("codecs").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.True(codecs.Contains(mimeType) && codecs.Contains("audio/opus"),
            $"the node sees the publisher's codecs as [{string.Join(", ", codecs)}], wanted {mimeType} and audio/opus\n{GStreamerPeer.Tails(publisher)}");

        await using var player = GStreamerPeer.Play(new Uri(node.BaseUri, "/whep/" + stream), Window + 3, "--video", video);
        await player.WaitForLineAsync(line => line == "done", TimeSpan.FromSeconds(Window + 20), "the player's end");
        GStreamerPeer.AssertSmooth(player, Window, MinimumFps, publisher);
        Assert.DoesNotContain(publisher.Lines, line => line.StartsWith("error", StringComparison.Ordinal));
    }

    private static async Task<JsonElement> PublisherSessionAsync(TestNode node, string stream)
    {
        using var response = await node.Http.GetAsync("/api/streams/" + stream);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/streams/{stream}: {(int)response.StatusCode} {body}");
        var publisher = JsonDocument.Parse(body).RootElement.GetProperty("publisher");
        Assert.True(publisher.ValueKind == JsonValueKind.Object, $"no publisher in {body}");
        return publisher.Clone();
    }
}
