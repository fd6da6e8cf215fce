using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Testing;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// LiveKit's own JS client (livekit-client 2.23.0) in Chromium against a node started with <c>--dev</c>: it connects
/// with its defaults (<c>/rtc/v1</c>, one peer connection), or with <c>singlePeerConnection: false</c> (<c>/rtc</c>, a
/// publisher and a subscriber peer connection), publishes camera (simulcast, the SDK's default) and microphone, and
/// receives the others.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class LiveKitSdkTests
{
    private static readonly string[] People = ["ann", "bob", "cy"];

    [ChromiumFact]
    public Task Three_participants_join_with_the_sdk_defaults_and_each_decodes_the_others_camera_and_microphone() =>
        ThreeParticipantsDecodeEachOther(singlePeerConnection: null, "publisher-only");

    [ChromiumFact]
    public Task Three_participants_join_with_two_peer_connections_each_and_each_decodes_the_others_camera_and_microphone() =>
        ThreeParticipantsDecodeEachOther(singlePeerConnection: false, "publisher-primary");

    private static async Task ThreeParticipantsDecodeEachOther(bool? singlePeerConnection, string layout)
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var tabs = new Dictionary<string, LiveKitTab>();
        foreach (var person in People)
        {
            var tab = tabs[person] = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
            var joined = await tab.JoinAsync(node.BaseUri, "lk", person, singlePeerConnection is { } single ? new { singlePeerConnection = single } : null);
            Assert.Equal(layout, joined.PeerConnections);
            Assert.StartsWith("PA_", joined.Sid, StringComparison.Ordinal);
            Assert.Equal((person, "lk"), (joined.Identity, joined.Room));
            Assert.False(string.IsNullOrEmpty(joined.Server));
            Assert.Equal(People.TakeWhile(p => p != person), joined.Others.Order());
            var published = await tab.PublishAsync();
            Assert.Equal(2, published.Length);
            Assert.All(published, sid => Assert.StartsWith("TR_", sid, StringComparison.Ordinal));
        }

        foreach (var (person, tab) in tabs)
        {
            var others = People.Where(p => p != person).ToArray();
            var remote = await tab.WaitAsync(
                r => others.All(o => r.Any(t => t.Identity == o && t.Kind == "video" && t.FramesDecoded >= 30)
                    && r.Any(t => t.Identity == o && t.Kind == "audio" && t.Packets >= 50)),
                $"{person} decoding {string.Join(" and ", others)}", seconds: 30);
            Assert.DoesNotContain(remote, t => t.Identity == person);
            var log = await tab.LogAsync();
            foreach (var other in others)
            {
                Assert.Contains($"subscribed {other} video", log);
                Assert.Contains($"subscribed {other} audio", log);
            }
        }

        Assert.True(node.Node.TryGetRoom(RoomId.Conference("lk"), out var room));
        Assert.Equal(3, room!.Publishers.Length);
        Assert.Equal(3, room.Subscribers.Length);

        // One peer connection: each participant's publisher and subscriber sessions are one transport, from one address.
        foreach (var publisher in room.Publishers)
        {
            var subscriber = room.Subscribers.Single(s => s.Participant?.FullId == publisher.Participant?.FullId);
            Assert.NotNull(publisher.RemoteEndPoint);
            Assert.Equal(singlePeerConnection is null, Equals(publisher.RemoteEndPoint, subscriber.RemoteEndPoint));
        }
    }

    [ChromiumFact]
    public async Task Mute_and_unmute_are_seen_by_the_others_and_a_closed_tab_leaves_within_five_seconds()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinWithAsync(node.BaseUri, LiveKitTab.Token("mute", "ann", new Sluice.LiveKit.VideoGrant { RoomJoin = true, Room = "mute", CanUpdateOwnMetadata = true }));
        await ann.PublishAsync();
        await bob.JoinAsync(node.BaseUri, "mute", "bob");
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "video" && t.FramesDecoded >= 10), "bob decoding ann");

        // Own metadata: allowed by the token's canUpdateOwnMetadata, seen by the others.
        await Assert.ThrowsAsync<Microsoft.Playwright.PlaywrightException>(() => bob.Page.EvaluateAsync("() => room.localParticipant.setMetadata('ready')"));
        await ann.Page.EvaluateAsync("() => room.localParticipant.setMetadata('mine')");
        await Poll.Until(async () => await bob.Page.EvaluateAsync<string>("() => [...room.remoteParticipants.values()][0].metadata") == "mine", "bob seeing ann's metadata");

        await ann.MuteAsync("video", true);
        await bob.WaitForLogAsync(log => log.Contains("muted ann video"), "bob seeing ann's camera muted");
        Assert.Contains((await bob.RemoteAsync()), t => t.Identity == "ann" && t.Kind == "video" && t.Muted);
        await ann.MuteAsync("video", false);
        await bob.WaitForLogAsync(log => log.Contains("unmuted ann video"), "bob seeing ann's camera unmuted");

        // ann's tab closes: bob hears of it within 5 s, and ann's sessions end.
        var closed = DateTime.UtcNow;
        await ann.Page.CloseAsync();
        await bob.WaitForLogAsync(log => log.Contains("disconnected ann"), "bob seeing ann leave", seconds: 5);
        Assert.InRange(DateTime.UtcNow - closed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(await bob.RemoteAsync(), t => t.Identity == "ann");
        Assert.True(node.Node.TryGetRoom(RoomId.Conference("mute"), out var room));
        await Poll.Until(() => !room!.Publishers.Any(p => p.Participant?.Id == "ann"), "ann's publisher session to end");
        Assert.Single(room!.Publishers); // bob's: its data channels
    }

    [ChromiumFact]
    public async Task Data_published_reliable_and_lossy_reaches_the_others_with_the_senders_identity_and_destinations_narrow_it()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var tabs = new Dictionary<string, LiveKitTab>();
        foreach (var person in People)
        {
            tabs[person] = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
            await tabs[person].JoinAsync(node.BaseUri, "data", person);
        }

        await tabs["ann"].SendAsync("hello reliable", reliable: true);
        await tabs["ann"].SendAsync("hello lossy", reliable: false);
        await tabs["bob"].SendAsync("only for cy", reliable: true, "cy");
        foreach (var person in new[] { "bob", "cy" })
        {
            await tabs[person].WaitForLogAsync(log => log.Contains("data ann hello reliable") && log.Contains("data ann hello lossy"), $"{person} receiving ann's data");
        }

        await tabs["cy"].WaitForLogAsync(log => log.Contains("data bob only for cy"), "cy receiving bob's message");

        // Nobody receives their own, and ann is not among bob's destinations.
        await tabs["ann"].SendAsync("last", reliable: true);
        await tabs["bob"].WaitForLogAsync(log => log.Contains("data ann last"), "bob receiving ann's last");
        var annLog = await tabs["ann"].LogAsync();
        Assert.DoesNotContain(annLog, line => line.StartsWith("data ", StringComparison.Ordinal));
        Assert.DoesNotContain("data bob only for cy", await tabs["bob"].LogAsync());
    }

    [ChromiumFact]
    public async Task Video_quality_picks_the_simulcast_layer_and_an_unsubscribed_track_is_not_sent()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync(node.BaseUri, "quality", "ann");
        await ann.PublishAsync();
        await bob.JoinAsync(node.BaseUri, "quality", "bob");
        static LiveKitTab.RemoteTrack? Video(LiveKitTab.RemoteTrack[] r) => r.FirstOrDefault(t => t.Identity == "ann" && t.Kind == "video");
        var open = await bob.WaitAsync(r => Video(r) is { FramesDecoded: >= 30, Width: >= 640 }, "bob decoding ann's camera large");

        // LOW: the smallest layer (LiveKit's camera default is 1280x720 with 320x180 and 640x360 below it).
        await bob.SetVideoQualityAsync("ann", 0);
        await bob.WaitAsync(r => Video(r) is { Width: > 0 and <= 320 }, "bob's copy of ann's camera at the low layer", seconds: 10);
        await bob.SetVideoQualityAsync("ann", 2);
        await bob.WaitAsync(r => Video(r) is { Width: var w } && w >= Video(open)!.Width, "bob's copy back at the top layer", seconds: 15);

        // Unsubscribed: the node sends nothing of it; subscribed again: it flows again.
        Assert.True(node.Node.TryGetRoom(RoomId.Conference("quality"), out var room));
        var section = room!.Subscribers.Single(s => s.Participant?.Id == "bob").Subscriptions.Single(s => s.Kind == MediaKind.Video);
        await bob.SetSubscribedAsync("ann", "video", false);
        await Task.Delay(1000);
        var stopped = section.PacketsSent;
        await Task.Delay(1000);
        Assert.Equal(stopped, section.PacketsSent);
        await bob.SetSubscribedAsync("ann", "video", true);
        await Poll.Until(() => section.PacketsSent > stopped + 50, "ann's camera to flow to bob again");
    }

    [ChromiumFact]
    public async Task An_unpublished_track_leaves_the_others_and_a_reloaded_page_joins_again_under_the_same_identity()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync(node.BaseUri, "again", "ann");
        await ann.PublishAsync();
        await bob.JoinAsync(node.BaseUri, "again", "bob");
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "video" && t.FramesDecoded >= 10), "bob decoding ann");

        await ann.UnpublishAsync("video");
        await bob.WaitForLogAsync(log => log.Contains("unpublished ann video"), "bob seeing ann's camera unpublished");
        Assert.DoesNotContain(await bob.RemoteAsync(), t => t.Identity == "ann" && t.Kind == "video");

        // ann reloads the page and joins again: bob gets her back, camera and all; the room holds one ann.
        await ann.Page.ReloadAsync();
        await ann.JoinAsync(node.BaseUri, "again", "ann");
        await ann.PublishAsync();
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "video" && t.FramesDecoded >= 10), "bob decoding ann after her reload");
        var participants = await LiveKitServerSdk.CallAsync(node.BaseUri, "listParticipants", "again");
        Assert.Equal(["ann", "bob"], participants.EnumerateArray().Select(p => p.GetProperty("identity").GetString()).Order());
    }

    [ChromiumFact]
    public async Task A_client_whose_signalling_drops_joins_again_and_is_received_again()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync(node.BaseUri, "drop", "ann");
        await ann.PublishAsync();
        await bob.JoinAsync(node.BaseUri, "drop", "bob");
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "video" && t.FramesDecoded >= 10), "bob decoding ann");

        // ann's signalling connection breaks (no close frame): her SDK tries to resume, is told to join again, and does.
        var rooms = node.App.Services.GetRequiredService<Sluice.Server.LiveKit.LiveKitRooms>();
        rooms.Connections("drop").Single(c => c.Identity == "ann").Abort();
        await ann.WaitForLogAsync(log => log.Contains("reconnecting") && log.Contains("reconnected"), "ann's SDK reconnecting", seconds: 20);
        Assert.DoesNotContain(await ann.LogAsync(), l => l.StartsWith("left ", StringComparison.Ordinal));
        var frames = (await bob.RemoteAsync()).Where(t => t.Identity == "ann" && t.Kind == "video").Sum(t => t.FramesDecoded);
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "video" && t.FramesDecoded >= 10 && t.FramesDecoded != frames),
            "bob decoding ann again after her rejoin", seconds: 20);
        Assert.Single(rooms.Connections("drop"), c => c.Identity == "ann");
    }

    [ChromiumFact]
    public async Task Dynacast_pauses_the_layers_nobody_receives_and_resumes_them_when_one_is_wanted()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync(node.BaseUri, "dyna", "ann", new { dynacast = true });
        await ann.PublishAsync();
        await bob.JoinAsync(node.BaseUri, "dyna", "bob");
        static LiveKitTab.RemoteTrack? Video(LiveKitTab.RemoteTrack[] r) => r.FirstOrDefault(t => t.Identity == "ann" && t.Kind == "video");
        await bob.WaitAsync(r => Video(r) is { FramesDecoded: >= 30, Width: >= 640 }, "bob decoding ann's camera large");
        async Task<string[]> Layers(string[] expected, string what)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            string[] layers;
            while (!(layers = await ann.ActiveLayersAsync()).SequenceEqual(expected) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Assert.True(layers.SequenceEqual(expected), $"{what}: ann's encodings [{string.Join(", ", layers)}]");
            return layers;
        }

        await Layers(["q:true", "h:true", "f:true"], "bob receives the top layer");

        // bob asks for LOW: nobody wants h or f, so ann's SDK stops sending them; bob goes on at 320 wide.
        await bob.SetVideoQualityAsync("ann", 0);
        await Layers(["q:true", "h:false", "f:false"], "bob on the low layer");
        var low = await bob.WaitAsync(r => Video(r) is { Width: > 0 and <= 320 }, "bob's copy at the low layer", seconds: 10);
        var frames = Video(low)!.FramesDecoded;
        await bob.WaitAsync(r => Video(r)!.FramesDecoded >= frames + 30, "bob decoding on at the low layer");

        // HIGH again: the layers come back and bob climbs to them.
        await bob.SetVideoQualityAsync("ann", 2);
        await Layers(["q:true", "h:true", "f:true"], "bob wanting the top layer again");
        await bob.WaitAsync(r => Video(r) is { Width: >= 640 }, "bob back on a large layer", seconds: 15);
    }

    [ChromiumFact]
    public async Task With_auto_subscribe_off_a_client_receives_only_the_tracks_it_subscribes_to()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var ann = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync(node.BaseUri, "manual", "ann");
        await ann.PublishAsync();
        await bob.JoinAsync(node.BaseUri, "manual", "bob", connectOptions: new { autoSubscribe = false });
        var listed = await bob.WaitAsync(r => r.Count(t => t.Identity == "ann") == 2, "bob seeing ann's two tracks published");
        Assert.All(listed, t => Assert.False(t.Subscribed));
        await Task.Delay(1500);
        Assert.DoesNotContain(await bob.LogAsync(), l => l.StartsWith("subscribed ", StringComparison.Ordinal));

        await bob.SetSubscribedAsync("ann", "video", true);
        await bob.WaitAsync(r => r.Any(t => t.Identity == "ann" && t.Kind == "video" && t.FramesDecoded >= 10), "bob decoding ann's camera once subscribed");
        Assert.Contains("subscribed ann video", await bob.LogAsync());
        Assert.DoesNotContain("subscribed ann audio", await bob.LogAsync());
    }
}
