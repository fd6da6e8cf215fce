using System.Text.Json;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.GStreamer;

/// <summary>
/// GStreamer 1.22 webrtcbin, a WebRTC stack we did not write, publishing over WHIP and playing over WHEP against a
/// real node on loopback. The player decodes what it gets and counts frames; the node's admin API is checked too.
/// </summary>
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
