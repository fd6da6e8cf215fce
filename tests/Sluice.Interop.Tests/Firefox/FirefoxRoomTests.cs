using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Interop.Tests.GStreamer;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Interop.Tests.Firefox;

/// <summary>
/// Firefox ESR as a participant of a room, on the node's room page (weever-streaming's protocol), with a Chromium
/// participant on the same page: each plays the other's camera and hears their microphone.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class FirefoxRoomTests
{
    [PeerAndChromiumFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public async Task A_firefox_and_a_chromium_participant_see_and_hear_each_other_in_a_room()
    {
        await using var node = await TestNode.StartAsync();
        await using var firefox = PeerProcess.Start("/usr/bin/node", FirefoxPeer.RoomArguments(node, "fox", "ann", seconds: 60), workingDirectory: FirefoxPeer.Folder);
        {
            await firefox.WaitForLineAsync(line => line == "all connected", TimeSpan.FromSeconds(40), "Firefox to join the room");
            await using var chromium = await Chromium.StartAsync();
            var bob = await chromium.Browser.NewPageAsync();
            await bob.GotoAsync(new Uri(node.BaseUri, "/room.html?room=fox&name=bob").ToString());
            await bob.ClickAsync("#join");
            await bob.WaitForFunctionAsync("""
                () => [...document.querySelectorAll('.tile:not(.me)')].some(t => t.querySelector('.name').textContent === 'ann'
                  && t.querySelector('video').videoWidth > 0 && t.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > 30)
                """, null, new PageWaitForFunctionOptions { Timeout = 30_000 });

            var seen = await firefox.WaitForLineAsync(line => line.StartsWith("room ", StringComparison.Ordinal) && SeesBob(line[5..]),
                TimeSpan.FromSeconds(40), "Firefox playing bob's video and receiving audio");
            using var state = JsonDocument.Parse(seen[5..]);
            Assert.Equal("connected", state.RootElement.GetProperty("connection").GetString());
        }
    }

    private static bool SeesBob(string json)
    {
        using var state = JsonDocument.Parse(json);
        return state.RootElement.GetProperty("audioPackets").GetInt64() > 50 && state.RootElement.GetProperty("tiles").EnumerateArray()
            .Any(t => t.GetProperty("name").GetString() == "bob" && t.GetProperty("width").GetInt32() > 0 && t.GetProperty("frames").GetInt64() > 30);
    }
}
