using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Testing;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// A room with Chromium participants speaking weever-streaming's protocol (<see cref="WeeverTab"/>): each
/// publishes camera and microphone and receives every other participant through one subscriber connection that
/// the node renegotiates over its <c>control</c> channel; nobody receives themselves; a closed tab leaves the room.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumRoomTests
{
    private static readonly string[] People = ["ann", "bob", "cy"];

    [ChromiumFact]
    public async Task Three_participants_each_receive_the_other_two_a_closed_tab_leaves_and_a_fourth_joins_later()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var tabs = new Dictionary<string, WeeverTab>();
        foreach (var person in People)
        {
            tabs[person] = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
            await tabs[person].JoinAsync("team", person);
        }

        foreach (var (person, tab) in tabs)
        {
            var others = People.Where(p => p != person).ToArray();
            var received = await tab.WaitAsync(r => others.All(o => Decoding(r, o, frames: 30)), $"{person} decoding {string.Join(" and ", others)}");
            Assert.DoesNotContain(received.Keys, k => k.StartsWith(person + "+", StringComparison.Ordinal));
            var log = await tab.LogAsync();
            foreach (var other in others)
            {
                Assert.Contains(log, line => line.StartsWith("PUB_JOIN " + other + "+", StringComparison.Ordinal));
            }
        }

        Assert.True(node.Node.TryGetRoom(RoomId.Conference("team"), out var room));
        Assert.Equal(3, room!.Publishers.Length);
        Assert.Equal(3, room.Subscribers.Length);

        // cy closes the tab: nothing is sent (no DTLS close_notify, no SCTP ABORT); silence ends cy's sessions.
        var left = DateTime.UtcNow;
        await tabs["cy"].Page.CloseAsync();
        foreach (var person in new[] { "ann", "bob" })
        {
            await tabs[person].WaitAsync(r => !r.Keys.Any(k => k.StartsWith("cy+", StringComparison.Ordinal)), $"{person} dropping cy", seconds: 15);
            Assert.Contains(await tabs[person].LogAsync(), line => line.StartsWith("PUB_LEFT cy+", StringComparison.Ordinal));
        }

        Assert.InRange(DateTime.UtcNow - left, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        await Poll.Until(() => room.Publishers.Length == 2 && room.Subscribers.Length == 2, "cy's sessions to end");

        // ann and bob still receive each other.
        var annSees = await tabs["ann"].ReceivedAsync();
        await tabs["ann"].WaitAsync(r => Decoding(r, "bob", frames: Frames(annSees, "bob") + 30), "ann still decoding bob");

        // A fourth joins later: the two who stayed get dan, and dan gets them.
        var dan = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await dan.JoinAsync("team", "dan");
        await dan.WaitAsync(r => Decoding(r, "ann", 30) && Decoding(r, "bob", 30) && !r.Keys.Any(k => k.StartsWith("cy+", StringComparison.Ordinal)), "dan decoding ann and bob");
        foreach (var person in new[] { "ann", "bob" })
        {
            await tabs[person].WaitAsync(r => Decoding(r, "dan", 30), $"{person} decoding dan");
        }
    }

    [ChromiumFact]
    public async Task A_late_joiner_appears_to_everyone_and_a_screen_share_reaches_the_others_but_not_its_owner()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var ann = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync("late", "ann");

        // An empty room: ann's subscriber still gets the first offer, with nobody in it.
        await BrowserSession.PollAsync(ann.OffersAsync, n => n >= 1, TimeSpan.FromSeconds(15), "ann's first SDP_OFFER");

        var bob = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await bob.JoinAsync("late", "bob");
        await ann.WaitAsync(r => Decoding(r, "bob", 30), "ann decoding bob");
        await bob.WaitAsync(r => Decoding(r, "ann", 30), "bob decoding ann");

        // bob shares a screen: a second publisher session, bob-screen+…, video only.
        var screen = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await screen.Page.EvaluateAsync("() => window.publish('late', 'bob-screen+1', true, false)");
        await ann.WaitAsync(r => Decoding(r, "bob-screen", 30), "ann decoding bob's screen");
        await Task.Delay(1500);
        Assert.DoesNotContain((await bob.ReceivedAsync()).Keys, k => k.StartsWith("bob-screen+", StringComparison.Ordinal));
        Assert.DoesNotContain(await bob.LogAsync(), line => line.StartsWith("PUB_JOIN bob-screen", StringComparison.Ordinal));
    }

    private static bool Decoding(Dictionary<string, WeeverTab.Received> received, string person, long frames) =>
        Frames(received, person) >= frames && received.Any(r => r.Key.StartsWith(person + "+", StringComparison.Ordinal) && r.Value.AudioPackets > 0
            || person.EndsWith("-screen", StringComparison.Ordinal));

    private static long Frames(Dictionary<string, WeeverTab.Received> received, string person) =>
        received.Where(r => r.Key.StartsWith(person + "+", StringComparison.Ordinal)).Sum(r => r.Value.FramesDecoded);
}
