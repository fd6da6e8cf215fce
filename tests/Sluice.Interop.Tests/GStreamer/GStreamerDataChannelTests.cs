using Sluice.Interop.Tests.Aiortc;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.GStreamer;

/// <summary>
/// GStreamer 1.22 webrtcbin (its SCTP is usrsctp, its offer the RFC 8841 <c>UDP/DTLS/SCTP webrtc-datachannel</c>
/// form without a=max-message-size, so the node sends it at most 64 KiB) publishing audio, video and a data
/// channel; GStreamer players and an aiortc subscriber receive its messages through the node.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class GStreamerDataChannelTests
{
    private const int Burst = 40;

    [PeerFact(GStreamerPeer.Program, GStreamerPeer.Package)]
    public async Task Two_gstreamer_players_get_every_message_of_a_gstreamer_publisher_and_a_reply_reaches_only_the_publisher()
    {
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "gst-data";
        await using var evidence = new DataEvidence(node, sessions, stream);
        var publisher = await StartPublisherAsync(node, evidence, stream);

        // Player 1 opens its own chat channel; player 2 opens "x", so the node opens chat toward it (on-data-channel).
        var whep = new Uri(node.BaseUri, $"/whep/{stream}");
        var ownProcess = evidence.Add("GStreamer player 1 (its own chat channel)", GStreamerPeer.PlayData(whep, 120));
        var givenProcess = evidence.Add("GStreamer player 2 (channel x)", GStreamerPeer.PlayData(whep, 120, label: "x"));
        var own = new DataPeer("GStreamer player 1", ownProcess);
        var given = new DataPeer("GStreamer player 2", givenProcess);
        await DataRelayChecks.WaitOpenAsync(evidence, own, "chat", "its own chat channel to open");
        await DataRelayChecks.WaitOpenAsync(evidence, given, "x", "its own x channel to open");
        var opened = PeerLine.Parse(await DataRelayChecks.WaitOpenAsync(evidence, given, "chat", "the chat channel the node opens toward it (on-data-channel)"));
        await evidence.AssertAsync(opened["by"] == "remote", $"player 2's chat channel was not opened by the node: {opened}");

        await DataRelayChecks.BurstReachesEverySubscriberAsync(evidence, publisher, Burst, AiortcDataChannelTests.Sizes, "chat", TimeSpan.FromSeconds(60), own, given);
        await DataRelayChecks.RepliesReachOnlyThePublisherAsync(evidence, publisher, "chat", Burst, own, given);
        await DataRelayChecks.NothingDroppedAsync(evidence);
        await DataRelayChecks.NoPeerErrorsAsync(evidence, publisher.Process, ownProcess, givenProcess);
    }

    /// <summary>usrsctp on one side, aiortc's SCTP on the other: the subscriber (data only) opens its own chat channel, as aiortc applications do.</summary>
    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public async Task An_aiortc_subscriber_gets_every_message_of_a_gstreamer_publisher_and_its_reply_reaches_the_publisher()
    {
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "gst-data-aiortc";
        await using var evidence = new DataEvidence(node, sessions, stream);
        var publisher = await StartPublisherAsync(node, evidence, stream);

        var subscriberProcess = evidence.Add("aiortc subscriber (its own chat channel, data only)",
            AiortcPeer.SubscribeData(new Uri(node.BaseUri, $"/whep/{stream}"), media: false, 120));
        var subscriber = new DataPeer("the aiortc subscriber", subscriberProcess);
        await DataRelayChecks.WaitOpenAsync(evidence, subscriber, "chat", "its chat channel to open");

        await DataRelayChecks.BurstReachesEverySubscriberAsync(evidence, publisher, Burst, AiortcDataChannelTests.Sizes, "chat", TimeSpan.FromSeconds(60), subscriber);
        await DataRelayChecks.RepliesReachOnlyThePublisherAsync(evidence, publisher, "chat", Burst, subscriber);
        await DataRelayChecks.NothingDroppedAsync(evidence);
        await DataRelayChecks.NoPeerErrorsAsync(evidence, publisher.Process, subscriberProcess);
    }

    /// <summary>Starts the publisher (VP8, Opus and a chat channel) and waits for its channel to open; the test disposes it through the evidence.</summary>
    private static async Task<DataPeer> StartPublisherAsync(TestNode node, DataEvidence evidence, string stream)
    {
        var process = evidence.Add("GStreamer publisher (channel chat, audio and video)", GStreamerPeer.PublishData(new Uri(node.BaseUri, $"/whip/{stream}"), 120));
        var publisher = new DataPeer("the GStreamer publisher", process);
        await DataRelayChecks.WaitOpenAsync(evidence, publisher, "chat", "its chat channel to open (the node's DATA_CHANNEL_ACK)");
        return publisher;
    }
}
