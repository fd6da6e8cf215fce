using System.Text.Json;
using Sluice.Interop.Tests.GStreamer;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.LiveKit;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Interop.Tests.Firefox;

/// <summary>
/// LiveKit's JS client (livekit-client 2.23.0) in Firefox ESR beside one in Chromium, both with the SDK's defaults:
/// one peer connection on <c>/rtc/v1</c>. Firefox takes the SDK's deferred path there (no offer in the join request:
/// its first offer comes as a message after the join response). Each decodes the other's camera and hears the
/// other's microphone.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class FirefoxLiveKitTests
{
    [PeerAndChromiumFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public async Task A_firefox_and_a_chromium_livekit_participant_decode_each_other_on_one_peer_connection_each()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        Assert.Equal("publisher-only", (await bob.JoinAsync(node.BaseUri, "mixed", "bob")).PeerConnections);
        await bob.PublishAsync();

        string[] args =
        [
            Path.Combine(FirefoxPeer.Folder, "peer.mjs"),
            "--livekit-page", new Uri(node.BaseUri, "/livekit-test/").ToString(),
            "--livekit-url", new UriBuilder(node.BaseUri) { Scheme = "ws" }.Uri.ToString().TrimEnd('/'),
            "--token", LiveKitTab.Token("mixed", "fox"),
            "--seconds", "40",
            "--executable", FirefoxPeer.Program,
        ];
        await using var firefox = PeerProcess.Start("/usr/bin/node", args, workingDirectory: FirefoxPeer.Folder);
        var joined = await firefox.WaitForLineAsync(line => line.StartsWith("livekit joined ", StringComparison.Ordinal), TimeSpan.FromSeconds(40), "Firefox to join");
        using (var join = JsonDocument.Parse(joined["livekit joined ".Length..]))
        {
            Assert.Equal("publisher-only", join.RootElement.GetProperty("peerConnections").GetString());
            Assert.Equal(["bob"], join.RootElement.GetProperty("others").EnumerateArray().Select(o => o.GetString()));
        }

        await firefox.WaitForLineAsync(line => line.StartsWith("livekit [", StringComparison.Ordinal) && Receives(line["livekit ".Length..], "bob"),
            TimeSpan.FromSeconds(30), "Firefox decoding bob's camera and receiving his microphone");
        await bob.WaitAsync(r => r.Any(t => t.Identity == "fox" && t.Kind == "video" && t.FramesDecoded >= 30)
            && r.Any(t => t.Identity == "fox" && t.Kind == "audio" && t.Packets >= 50), "bob decoding Firefox's camera and receiving its microphone", seconds: 30);
    }

    private static bool Receives(string json, string identity)
    {
        using var remote = JsonDocument.Parse(json);
        var tracks = remote.RootElement.EnumerateArray().Where(t => t.GetProperty("identity").GetString() == identity).ToList();
        return tracks.Any(t => t.GetProperty("kind").GetString() == "video" && t.GetProperty("framesDecoded").GetInt32() >= 30)
            && tracks.Any(t => t.GetProperty("kind").GetString() == "audio" && t.GetProperty("packets").GetInt32() >= 50);
    }
}
