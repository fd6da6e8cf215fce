using Microsoft.Playwright;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Rooms;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// One room, three protocols: a LiveKit client (livekit-client in Chromium), a weever-streaming client
/// (<see cref="WeeverTab"/>) and the node's own room page, each publishing camera and microphone, each seeing and
/// hearing the other two; the room page's chat and LiveKit's reliable data reach each other.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class LiveKitMixedRoomTests
{
    private static readonly PageWaitForFunctionOptions Wait = new() { Timeout = 30_000 };

    [ChromiumFact]
    public async Task A_livekit_client_a_weever_client_and_the_room_page_see_and_hear_each_other_and_chat_crosses()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var annSid = (await ann.JoinAsync(node.BaseUri, "mixed", "ann")).Sid;
        await ann.PublishAsync();
        var bob = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await bob.JoinAsync("mixed", "bob");
        var cy = await chromium.Browser.NewPageAsync();
        await cy.GotoAsync(new Uri(node.BaseUri, "/room.html?room=mixed&name=cy").ToString());
        await cy.ClickAsync("#join");

        // ann (LiveKit) decodes bob and cy, who appear as participants named by their full ids.
        var annSees = await ann.WaitAsync(
            r => new[] { "bob+", "cy+" }.All(p => r.Any(t => t.Identity.StartsWith(p, StringComparison.Ordinal) && t.Kind == "video" && t.FramesDecoded >= 30)
                && r.Any(t => t.Identity.StartsWith(p, StringComparison.Ordinal) && t.Kind == "audio" && t.Packets >= 50)),
            "ann decoding bob and cy", seconds: 30);
        var cyIdentity = annSees.First(t => t.Identity.StartsWith("cy+", StringComparison.Ordinal)).Identity;

        // bob (weever) decodes ann, keyed on her sid (the msid stream id), and cy.
        await bob.WaitAsync(r => r.TryGetValue(annSid, out var fromAnn) && fromAnn.FramesDecoded >= 30 && fromAnn.AudioPackets > 0
            && r.Any(e => e.Key.StartsWith("cy+", StringComparison.Ordinal) && e.Value.FramesDecoded >= 30), "bob decoding ann and cy");

        // cy (the room page) shows two other tiles playing video with sound.
        await cy.WaitForFunctionAsync("""
            () => [...document.querySelectorAll('.tile:not(.me)')].filter(t => t.querySelector('video').videoWidth > 0
              && t.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > 30
              && t.querySelector('video').srcObject.getAudioTracks().length === 1).length === 2
            """, null, Wait);

        // Chat: the page's reaches ann as data from cy; ann's reliable text reaches the page as from ann.
        await cy.WaitForFunctionAsync("() => window.room.chatOut && window.room.chatOut.readyState === 'open'", null, Wait);
        await cy.FillAsync("#chat-text", "hi from the page");
        await cy.ClickAsync("#send");
        await ann.WaitForLogAsync(log => log.Contains($"data {cyIdentity} hi from the page"), "ann receiving cy's chat");
        await ann.SendAsync("hi from livekit", reliable: true);
        await cy.WaitForFunctionAsync("() => window.room.messages.some(m => m.from === 'ann' && m.text === 'hi from livekit')", null, Wait);
    }
}
