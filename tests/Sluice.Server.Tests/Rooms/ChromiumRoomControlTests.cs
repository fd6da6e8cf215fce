using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Rooms;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Testing;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// The room's control channel under churn and abuse, with Chromium participants: offers coalesce when many
/// publishers join at once, a subscriber connection lives through many renegotiations, and bad or excessive
/// control messages are answered or dropped and counted while the session and the room go on.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumRoomControlTests
{
    [ChromiumFact]
    public async Task Ten_publishers_joining_at_once_reach_every_subscriber_in_at_most_three_offers()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var viewers = new List<WeeverTab>();
        foreach (var name in new[] { "ann", "bob" })
        {
            var tab = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
            await tab.JoinAsync("burst", name, video: false, audio: false);
            await BrowserSession.PollAsync(tab.OffersAsync, n => n == 1, TimeSpan.FromSeconds(15), name + "'s first offer");
            viewers.Add(tab);
        }

        var crowd = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await crowd.Page.EvaluateAsync("() => window.publishMany('burst', 'p', 10)");
        foreach (var viewer in viewers)
        {
            await viewer.WaitAsync(r => Enumerable.Range(0, 10).All(i => r.TryGetValue($"p{i}+1", out var p) && p.AudioPackets > 0), "all ten publishers' audio");
            var offers = await viewer.OffersAsync() - 1;
            Assert.InRange(offers, 1, 3);
            Assert.Equal(10, (await viewer.LogAsync()).Count(l => l.StartsWith("PUB_JOIN p", StringComparison.Ordinal)));
        }
    }

    [ChromiumFact]
    public async Task A_subscriber_stays_connected_through_twenty_renegotiations_and_STOP_ends_a_publisher()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var ann = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync("churn", "ann", video: false, audio: false);
        var bob = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await bob.JoinAsync("churn", "bob");
        await ann.WaitAsync(r => r.Any(p => p.Key.StartsWith("bob+", StringComparison.Ordinal) && p.Value.FramesDecoded >= 30), "ann decoding bob");
        var offers = await ann.OffersAsync();

        // cy comes and goes ten times: each arrival and each departure is a renegotiation of ann's connection.
        var cy = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        for (var round = 0; round < 10; round++)
        {
            await cy.Page.EvaluateAsync("r => window.publish('churn', `cy+${r}`, false, true)", round);
            await ann.WaitAsync(r => r.TryGetValue($"cy+{round}", out var c) && c.AudioPackets > 0, $"cy's audio, round {round}");
            await cy.SendControlAsync("STOP", publisher: true);
            await BrowserSession.PollAsync(ann.LogAsync, log => log.Contains($"PUB_LEFT cy+{round}"), TimeSpan.FromSeconds(10), $"PUB_LEFT cy+{round}");
            await BrowserSession.PollAsync(ann.OffersAsync, n => n >= offers + (2 * (round + 1)), TimeSpan.FromSeconds(10), $"the offer after cy left, round {round}");
        }

        Assert.Equal("connected", await ann.SubscriberStateAsync());
        Assert.True(await ann.OffersAsync() - offers >= 20);
        var before = (await ann.ReceivedAsync()).Where(p => p.Key.StartsWith("bob+", StringComparison.Ordinal)).Sum(p => p.Value.FramesDecoded);
        await ann.WaitAsync(r => r.Where(p => p.Key.StartsWith("bob+", StringComparison.Ordinal)).Sum(p => p.Value.FramesDecoded) >= before + 30, "ann still decoding bob");
        Assert.True(node.Node.TryGetRoom(RoomId.Conference("churn"), out var room));
        Assert.Single(room!.Publishers);
    }

    [ChromiumFact]
    public async Task Bad_and_excessive_control_messages_are_answered_or_dropped_and_the_room_goes_on()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var signalling = node.App.Services.GetRequiredService<RoomSignalling>();
        var ann = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync("rough", "ann");
        await BrowserSession.PollAsync(ann.OffersAsync, n => n >= 1, TimeSpan.FromSeconds(15), "ann's first offer");

        // An unknown command is answered OK, on either connection; so is a 200 KB one.
        await ann.SendControlAsync("HELLO there");
        await ann.SendControlAsync("PING");
        await ann.SendControlAsync(new string('x', 200_000), publisher: true);
        await ann.SendControlAsync("WHATEVER", publisher: true);
        await BrowserSession.PollAsync(ann.LogAsync, log => log.Count(l => l == "OK ") == 2 && log.Count(l => l == "pub< OK") == 2,
            TimeSpan.FromSeconds(10), "two OKs on each connection");

        // An answer that does not parse, and a real answer sent again (it answers an offer already answered): each
        // refused and counted, the session unchanged.
        await ann.SendControlAsync("SDP_ANSWER v=0 nonsense");
        await Poll.Until(() => signalling.BadAnswers >= 1, "the bad answer to be counted");
        await ann.Page.EvaluateAsync("() => window.subControl.send('SDP_ANSWER ' + window.sub.localDescription.sdp)");
        await Poll.Until(() => signalling.BadAnswers >= 2, "the stale answer to be counted");

        // A flood: 10,000 messages as fast as the page sends them. The excess is dropped and counted.
        await ann.Page.EvaluateAsync("() => { for (let i = 0; i < 10000; i++) window.subControl.send('PING ' + i); }");
        await Poll.Until(() => signalling.Dropped > 5000, "the flood to be dropped", timeoutSeconds: 20);

        // The room goes on: bob joins, and ann gets him through a new offer.
        var bob = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await bob.JoinAsync("rough", "bob");
        await ann.WaitAsync(r => r.Any(p => p.Key.StartsWith("bob+", StringComparison.Ordinal) && p.Value.FramesDecoded >= 30), "ann decoding bob after the flood");
        await bob.WaitAsync(r => r.Any(p => p.Key.StartsWith("ann+", StringComparison.Ordinal) && p.Value.FramesDecoded >= 30), "bob decoding ann");
        Assert.Equal("connected", await ann.SubscriberStateAsync());
    }
}
