using System.Net;
using System.Text.Json;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// Bandwidth in a room (issue 11): four Chromium participants speaking weever-streaming's protocol each publish a
/// 640x360 camera as two simulcast layers (q 320x180, f 640x360) with audio; one of them receives through a
/// <see cref="RateLimitedUdpRelay"/> at 550 kbit/s, every description the node sends it pointed at the relay.
/// The node shares that subscriber's estimate among its three publishers' tracks (audio first, then video): it
/// gets q from everyone (about 150 kbit/s each, f about 350: three q and the audio about fill the link, some q
/// may lose a temporal layer) and keeps decoding them all, while the other three, unlimited, get f from everyone.
/// And the room API's per-subscription controls: a pinned layer, the automatic choice again, a muted kind.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumRoomBandwidthTests(ITestOutputHelper log)
{
    private static readonly string[] People = ["ann", "bob", "cy", "dan"];
    private const string Limited = "dan";

    [ChromiumFact]
    public async Task A_participant_on_a_thin_link_gets_every_publishers_low_layer_while_the_others_keep_the_high_ones()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        await using var relay = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, node.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 550_000);
        var tabs = new Dictionary<string, WeeverTab>();
        foreach (var person in People)
        {
            tabs[person] = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
            await tabs[person].JoinAsync("crowd", person, simulcast: true, relay: person == Limited ? relay.EndPoint : null);
        }

        Assert.True(node.Node.TryGetRoom(RoomId.Conference("crowd"), out var room));
        await Poll.Until(() => room!.Publishers.Length == 4 && room.Subscribers.Length == 4, "all four to join");

        // Everyone's two layers flow before anyone is judged.
        await Poll.Until(() => room!.Publishers.All(p => p.PublishedTracks.Any(t => t.Kind == MediaKind.Video && t.Encodings.Length == 2 && t.Encodings.All(e => e.Bitrate > 0))),
            () => "every publisher's q and f to flow: " + string.Join("; ", room!.Publishers.Select(p => $"{p.Participant?.Id}: {Layers(p)}")), timeoutSeconds: 30);

        // Chromium's estimate of the node climbs for a few seconds, and its f layers with it: judged before, the
        // limited participant would see f cheaper than it is about to be.
        await Poll.Until(() => room!.Publishers.All(p => p.PublishedTracks.Any(t => t.Kind == MediaKind.Video && t.Encodings.Length == 2 && t.Encodings[1].Bitrate > 300_000)),
            () => "every publisher's f to pass 300 kbit/s: " + string.Join("; ", room!.Publishers.Select(p => $"{p.Participant?.Id}: {Layers(p)}")), timeoutSeconds: 30);
        log.WriteLine("ramped up: " + string.Join("; ", room!.Publishers.Select(p => $"{p.Participant?.Id}: {Layers(p)}")));

        SubscriberSession Subscriber(string person) => room!.Subscribers.Single(s => s.Participant?.Id == person);
        string Forwarded(string person) => string.Join(", ", Subscriber(person).Subscriptions.Where(s => s.Kind == MediaKind.Video && s.Source is not null)
            .Select(s => $"{s.Source!.Publisher.Participant?.Id} {s.ForwardedEncoding?.Rid ?? "-"}{(s.PausedForBandwidth ? " (paused)" : "")}"));
        bool Gets(string person, string rid) =>
            Subscriber(person).Subscriptions.Count(s => s.Kind == MediaKind.Video && s.ForwardedEncoding?.Rid == rid && !s.PausedForBandwidth) == People.Length - 1;

        // The limited participant settles on q from all three; the others get f from all three.
        await Poll.Until(() => Gets(Limited, "q"), () => $"{Limited} to get q from everyone: {Forwarded(Limited)}; {BandwidthReport.Estimate(Subscriber(Limited))}", timeoutSeconds: 20);
        foreach (var person in People.Where(p => p != Limited))
        {
            await Poll.Until(() => Gets(person, "f"), () => $"{person} to get f from everyone: {Forwarded(person)}; {BandwidthReport.Estimate(Subscriber(person))}", timeoutSeconds: 20);
        }

        // And it holds: five seconds later the limited participant still has q from all three, decoding each, and
        // the others decode everyone at 640 wide.
        long[] Switches() => [.. People.Where(p => p != Limited).Select(o => Subscriber(Limited).Subscriptions
            .Single(s => s.Kind == MediaKind.Video && s.Source?.Publisher.Participant?.Id == o).LayerSwitches)];
        var before = await tabs[Limited].ReceivedAsync();
        var switchesBefore = Switches();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = await tabs[Limited].ReceivedAsync();
        var switchesAfter = Switches();
        log.WriteLine($"{Limited}: {Forwarded(Limited)}; {BandwidthReport.Estimate(Subscriber(Limited))}; relay {relay.DownlinkBitsPerSecondMeasured / 1000} kbit/s, {relay.PacketsDropped} dropped; "
            + "layers " + string.Join("; ", room!.Publishers.Select(p => $"{p.Participant?.Id}: {Layers(p)}")));
        Assert.True(Gets(Limited, "q"), $"{Limited} left q: {Forwarded(Limited)}");
        foreach (var other in People.Where(p => p != Limited))
        {
            var (then, now) = (Of(before, other), Of(after, other));
            log.WriteLine($"{Limited} from {other}: {now.FramesDecoded - then.FramesDecoded} frames in 5 s, {now.FrameWidth} wide");
            Assert.True(now.FramesDecoded - then.FramesDecoded >= 5 * 5, $"{Limited} decoded {now.FramesDecoded - then.FramesDecoded} frames of {other} in 5 s");
            // A width other than q's, with the node forwarding q now, can only be the picture of a switch up and back
            // within the five seconds: said so, should it happen.
            Assert.True(now.FrameWidth == 320, $"{Limited} decodes {other} {now.FrameWidth} wide; layer switches of that subscription during the 5 s: "
                + string.Join(", ", People.Where(p => p != Limited).Select((o, i) => $"{o} {switchesAfter[i] - switchesBefore[i]}")));
            Assert.True(now.AudioPackets > then.AudioPackets, $"{Limited} got no audio from {other}");
        }

        foreach (var person in People.Where(p => p != Limited))
        {
            var received = await tabs[person].WaitAsync(r => People.Where(p => p != person).All(o => Of(r, o).FrameWidth == 640),
                $"{person} decoding everyone at 640 wide", seconds: 15);
            log.WriteLine($"{person}: {Forwarded(person)}; {string.Join(", ", People.Where(p => p != person).Select(o => $"{o} {Of(received, o).FrameWidth} wide"))}");
            Assert.True(Gets(person, "f"), $"{person} left f: {Forwarded(person)}");
        }
    }

    [ChromiumFact]
    public async Task The_room_api_pins_a_layer_returns_to_automatic_and_mutes_a_kind_per_subscription()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        var ann = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        var bob = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await ann.JoinAsync("pins", "ann", simulcast: true);
        await bob.JoinAsync("pins", "bob", simulcast: true);
        await ann.WaitAsync(r => Of(r, "bob").FrameWidth == 640, "ann decoding bob at 640 wide");

        // Pin bob's q for ann: 320 wide within 3 s.
        using (var pinned = await Post(node, "ann", """{"from": "bob", "kind": "video", "encodingId": "q"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
            var state = JsonDocument.Parse(await pinned.Content.ReadAsStringAsync()).RootElement;
            var only = Assert.Single(state.EnumerateArray());
            Assert.Equal(("bob", "video", true, "q"), (only.GetProperty("from").GetString(), only.GetProperty("kind").GetString(), only.GetProperty("enabled").GetBoolean(), only.GetProperty("pinned").GetString()));
            Assert.StartsWith("TR_", only.GetProperty("track").GetString(), StringComparison.Ordinal);
        }

        await ann.WaitAsync(r => Of(r, "bob").FrameWidth == 320, "ann's picture of bob to drop to 320 wide", seconds: 3);

        // Back to the automatic choice: f again.
        using (var automatic = await Post(node, "ann", """{"from": "bob", "encodingId": null}"""))
        {
            Assert.Equal(HttpStatusCode.OK, automatic.StatusCode);
        }

        await ann.WaitAsync(r => Of(r, "bob").FrameWidth == 640, "ann's picture of bob back to 640 wide", seconds: 10);

        // Mute bob's audio for ann: nothing arrives for two seconds; unmuted, it comes again. Video goes on.
        using (var muted = await Post(node, "ann", """{"from": "bob", "kind": "audio", "enabled": false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, muted.StatusCode);
        }

        await Task.Delay(500);
        var quiet = Of(await ann.ReceivedAsync(), "bob");
        await Task.Delay(2000);
        var stillQuiet = Of(await ann.ReceivedAsync(), "bob");
        Assert.Equal(quiet.AudioPackets, stillQuiet.AudioPackets);
        Assert.True(stillQuiet.FramesDecoded > quiet.FramesDecoded + 20, "bob's video stopped with his audio");
        using (var unmuted = await Post(node, "ann", """{"from": "bob", "kind": "audio", "enabled": true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, unmuted.StatusCode);
        }

        await ann.WaitAsync(r => Of(r, "bob").AudioPackets > stillQuiet.AudioPackets + 20, "bob's audio to reach ann again", seconds: 5);

        // Bad requests name what is wrong and change nothing.
        foreach (var (participant, body, status, says) in new[]
        {
            ("ann", """{"from": "bob", "encodingId": "x"}""", HttpStatusCode.BadRequest, "no encoding 'x'"),
            ("ann", """{"from": "bob"}""", HttpStatusCode.BadRequest, "say what to change"),
            ("ann", """{"kind": "screen", "enabled": false}""", HttpStatusCode.BadRequest, "\"kind\" is"),
            ("ann", "[]", HttpStatusCode.BadRequest, "JSON object"),
            ("ann", "{", HttpStatusCode.BadRequest, "not JSON"),
            ("zed", """{"enabled": false}""", HttpStatusCode.NotFound, "'zed' receives nothing"),
        })
        {
            using var response = await Post(node, participant, body);
            Assert.Equal(status, response.StatusCode);
            var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
            Assert.Contains(says, detail, StringComparison.Ordinal);
        }

        Assert.True(node.Node.TryGetRoom(RoomId.Conference("pins"), out var room));
        var annSubscriptions = room!.Subscribers.Single(s => s.Participant?.Id == "ann").Subscriptions;
        Assert.All(annSubscriptions, s => Assert.True(s.Enabled));
        Assert.All(annSubscriptions, s => Assert.Null(s.PinnedEncoding));
    }

    private static Task<HttpResponseMessage> Post(TestNode node, string participant, string body) =>
        node.Http.PostAsync($"/api/rooms/pins/participants/{participant}/subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    private static WeeverTab.Received Of(Dictionary<string, WeeverTab.Received> received, string person) =>
        received.Where(r => r.Key.StartsWith(person + "+", StringComparison.Ordinal)).Select(r => r.Value).FirstOrDefault() ?? new WeeverTab.Received(0, 0);

    private static string Layers(PublisherSession publisher) =>
        string.Join(" ", publisher.PublishedTracks.Where(t => t.Kind == MediaKind.Video).Select(BandwidthReport.Rates));
}
