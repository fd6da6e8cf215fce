using Sluice.Interop.Tests.Support;
using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Aiortc;

/// <summary>
/// aiortc 1.4 as publisher and subscriber. Its offers carry a data channel (m=application in the pre-RFC
/// <c>DTLS/SCTP 5000</c> + <c>a=sctpmap</c> form) besides audio and video, which the node accepts into the
/// bundle; the data itself is tested in <see cref="AiortcDataChannelTests"/>. The subscriber decodes what it
/// receives, so the frame counts are frames that decoded. Both the media transport's state and the peer
/// connection's must be connected (aiortc 1.4 counts every transport, the data section's too, in the latter,
/// which stayed "connecting" for ever while the node rejected that section).
/// </summary>
[Collection(AiortcCollection.Name)]
public sealed class AiortcTests
{
    private const int Seconds = 10;

    /// <summary>Seconds a subscriber may take to connect and decode its first keyframe.</summary>
    private const int SetupSeconds = 3;

    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public async Task Aiortc_subscriber_decodes_an_aiortc_publisher_at_20_fps_or_more()
    {
        var media = InteropMedia.Webm();
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "aiortc-to-aiortc";

        await using var publisher = AiortcPeer.Publish(new Uri(node.BaseUri, $"/whip/{stream}"), media, Seconds + 10);
        await publisher.WaitForLineAsync(line => line == "media_state=connected", TimeSpan.FromSeconds(20), "the aiortc publisher to connect");
        await using var subscriber = AiortcPeer.Subscribe(new Uri(node.BaseUri, $"/whep/{stream}"), Seconds);

        await AssertDecodesAsync(subscriber, stream, sessions, what => $"""
            {what}
            The node's sessions:
            {sessions.Timeline}
            aiortc publisher:
            {publisher.Tail(20)}
            aiortc subscriber:
            {subscriber.Tail(30)}
            """);
        Assert.True(sessions.PublisherState(stream) == TransportState.Connected, $"The node's publisher session is {sessions.PublisherState(stream)}.\n{sessions.Timeline}");
        Assert.DoesNotContain(publisher.Lines, line => line.StartsWith("error=", StringComparison.Ordinal));
        Assert.True(publisher.Lines.Contains("peer_state=connected"), $"The aiortc publisher's peer connection never connected:\n{publisher.Tail(30)}");
    }

    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public async Task Aiortc_subscriber_decodes_a_sluice_cli_publisher_at_20_fps_or_more()
    {
        var video = InteropMedia.Vp8Ivf();
        var audio = InteropMedia.OpusOgg();
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "cli-to-aiortc";

        await using var publisher = SluiceCli.WhipLoop(new Uri(node.BaseUri, $"/whip/{stream}"), video, audio);
        await publisher.WaitForLineAsync(line => line.StartsWith("connected from", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "sluice-cli whip to connect");
        await using var subscriber = AiortcPeer.Subscribe(new Uri(node.BaseUri, $"/whep/{stream}"), Seconds);

        await AssertDecodesAsync(subscriber, stream, sessions, what => $"""
            {what}
            The node's sessions:
            {sessions.Timeline}
            sluice-cli whip:
            {publisher.Tail(10)}
            aiortc subscriber:
            {subscriber.Tail(30)}
            """);
    }

    /// <summary>
    /// After the setup seconds, every second has decoded video and audio at the file's 320x240, at least 20
    /// frames a second on average (the source has 30), and the node holds the subscriber Connected; the
    /// subscriber's DELETE then ends its session.
    /// </summary>
    private static async Task AssertDecodesAsync(PeerProcess subscriber, string stream, NodeSessions sessions, Func<string, string> report)
    {
        await subscriber.WaitForLineAsync(line => line == "media_state=connected", TimeSpan.FromSeconds(20), "the aiortc subscriber to connect");
        long frames = 0;
        for (var s = 1; s <= Seconds; s++)
        {
            var line = PeerLine.Parse(await subscriber.WaitForLineAsync(l => PeerLine.IsSecond(l, s), TimeSpan.FromSeconds(10), $"the subscriber's line for second {s}"));
            if (s <= SetupSeconds)
            {
                continue;
            }

            frames += line.Number("video_frames");
            Assert.True(line["state"] == "connected", report($"Not connected in second {s}: {line}"));
            Assert.True(line["peer_state"] == "connected", report($"The peer connection is not connected in second {s}: {line}"));
            Assert.True(line.Number("video_frames") > 0, report($"No video frame decoded in second {s}: {line}"));
            Assert.True(line.Number("audio_frames") > 0, report($"No audio frame decoded in second {s}: {line}"));
            Assert.True((line["width"], line["height"]) == ("320", "240"), report($"Decoded pictures of {line["width"]}x{line["height"]}, not 320x240: {line}"));
            // The subscriber sends DELETE right after printing its last second: that second's session may be gone already
            // (its end is checked below, after deleted=200).
            if (s < Seconds)
            {
                var state = sessions.SubscriberStates(stream).SingleOrDefault();
                Assert.True(state == TransportState.Connected, report($"In second {s} the node's subscriber session is {state}."));
            }
        }

        var fps = (double)frames / (Seconds - SetupSeconds);
        Assert.True(fps >= 20, report($"The subscriber decoded {fps:0.#} frames a second on average over {Seconds - SetupSeconds} s."));
        await subscriber.WaitForLineAsync(line => line == "deleted=200", TimeSpan.FromSeconds(10), "the subscriber's DELETE");
        Assert.True(sessions.SubscriberCount(stream) == 0, report("The node still holds the subscriber's session after its DELETE answered 200."));
    }
}
