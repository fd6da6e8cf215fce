using Microsoft.Playwright;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Testing;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// The node's own room page (/room.html) in two Chromium tabs: each person sees and hears the other with their
/// name, chats (markup shown as text), mutes; the dashboard lists the room and kicks a person.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class RoomPageTests
{
    private static readonly PageWaitForFunctionOptions Wait = new() { Timeout = 30_000 };

    [ChromiumFact]
    public async Task Two_tabs_on_the_room_page_see_each_other_chat_and_the_dashboard_kicks_one()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var ann = await JoinAsync(chromium.Browser, node, "home", "ann");
        var bob = await JoinAsync(chromium.Browser, node, "home", "bob");
        foreach (var (page, other) in new[] { (ann, "bob"), (bob, "ann") })
        {
            // The other person's tile, named, playing video (and with an audio track).
            await page.WaitForFunctionAsync("""
                other => [...document.querySelectorAll('.tile:not(.me)')].some(t => t.querySelector('.name').textContent === other
                  && t.querySelector('video').videoWidth > 0 && t.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > 30
                  && t.querySelector('video').srcObject.getAudioTracks().length === 1)
                """, other, Wait);
            Assert.Equal(2, await page.Locator(".tile").CountAsync());
        }

        // Chat reaches everyone, the sender too; markup in a message stays text.
        await ann.WaitForFunctionAsync("() => window.room.chatOut && window.room.chatOut.readyState === 'open'", null, Wait);
        await ann.FillAsync("#chat-text", "<b>hello</b> & welcome");
        await ann.ClickAsync("#send");
        foreach (var page in new[] { ann, bob })
        {
            await page.WaitForFunctionAsync("() => window.room.messages.some(m => m.from === 'ann' && m.text === '<b>hello</b> & welcome')", null, Wait);
            Assert.Equal(0, await page.Locator("#messages b").CountAsync());
        }

        // Mute turns the microphone track off, and back on.
        await bob.ClickAsync("#mic");
        Assert.False(await bob.EvaluateAsync<bool>("() => window.room.local.getAudioTracks()[0].enabled"));
        Assert.Equal("Unmute", await bob.TextContentAsync("#mic"));
        await bob.ClickAsync("#mic");
        Assert.True(await bob.EvaluateAsync<bool>("() => window.room.local.getAudioTracks()[0].enabled"));

        // The dashboard lists the room and its two people; kicking bob ends both of bob's sessions.
        var dashboard = await chromium.Browser.NewPageAsync();
        await dashboard.GotoAsync(node.BaseUri.ToString());
        await dashboard.WaitForFunctionAsync("() => document.querySelector('tr.stream[data-room=\"home\"]') && document.querySelectorAll('tr[data-participant]').length === 2", null, Wait);
        await dashboard.ClickAsync("button.kick-participant[data-participant=\"bob\"]");
        await dashboard.WaitForFunctionAsync("() => document.querySelectorAll('tr[data-participant]').length === 1", null, Wait);
        Assert.True(node.Node.TryGetRoom(RoomId.Conference("home"), out var room));
        Assert.All(room!.Publishers.Cast<Sfu.Sessions.SfuSession>().Concat(room.Subscribers), s => Assert.Equal("ann", s.Participant?.Id));

        // ann's page drops bob's tile.
        await ann.WaitForFunctionAsync("() => document.querySelectorAll('.tile').length === 1", null, Wait);
    }

    private static async Task<IPage> JoinAsync(IBrowser browser, TestNode node, string room, string name)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(node.BaseUri, $"/room.html?room={room}&name={name}").ToString());
        await page.ClickAsync("#join");
        await page.WaitForFunctionAsync("() => window.room.sub && window.room.sub.connectionState === 'connected'", null, Wait);
        return page;
    }
}
