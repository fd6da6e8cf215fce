using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Aiortc;

/// <summary>
/// Data channels through the node between aiortc 1.4 peers (aiortc's own SCTP in Python, its offers in the
/// pre-RFC <c>DTLS/SCTP 5000</c> + <c>a=sctpmap</c> form, max-message-size 65536). The rules checked are the
/// node's (<c>DataRelay</c>): a publisher's messages reach every subscriber on the subscriber's channel of the
/// same label (its own, or one the node opens toward it), whole, in order, text as text and binary as binary; a
/// subscriber's message reaches the publisher and no other subscriber.
/// </summary>
[Collection(AiortcCollection.Name)]
public sealed class AiortcDataChannelTests
{
    private const int Burst = 40;

    /// <summary>
    /// Sizes of the burst's messages, in turn: 1 byte, small, one SCTP fragment of aiortc's 1200-byte DATA chunks
    /// and one byte more, 4 KiB, 60 KB, aiortc's whole 64 KiB (its max-message-size), and 1000 bytes (an odd
    /// count, so that text and binary both get every size).
    /// </summary>
    public const string Sizes = "1,16,300,1200,1201,4096,60000,65536,1000";

    /// <summary>aiortc 1.4 as it is: as the ICE controlling side it opens its channels on odd stream ids, although it is the DTLS client.</summary>
    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public Task Two_aiortc_subscribers_get_every_message_of_an_aiortc_publisher_and_a_reply_reaches_only_the_publisher() =>
        PublisherAndTwoSubscribers("aiortc-data", rfc8832StreamIds: false);

    /// <summary>
    /// The same with aiortc picking its stream ids by its DTLS role as RFC 8832 §6 says (aiortc's pending fix), so
    /// that everything else (aiortc's SCTP, DCEP, fragmentation, the relay) is tested whatever the node does with
    /// aiortc 1.4's odd ids.
    /// </summary>
    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public Task Two_aiortc_subscribers_get_every_message_of_an_aiortc_publisher_when_aiortc_picks_stream_ids_by_its_dtls_role() =>
        PublisherAndTwoSubscribers("aiortc-data-rfc", rfc8832StreamIds: true);

    private static async Task PublisherAndTwoSubscribers(string stream, bool rfc8832StreamIds)
    {
        var media = InteropMedia.Webm();
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        await using var evidence = new DataEvidence(node, sessions, stream);

        // The publisher sends audio and video too: its SCTP packets share the bundled transport with SRTP.
        var publisherProcess = evidence.Add("aiortc publisher (channel chat, audio and video)",
            AiortcPeer.PublishData(new Uri(node.BaseUri, $"/whip/{stream}"), media, 120, rfc8832StreamIds: rfc8832StreamIds));
        var publisher = new DataPeer("the aiortc publisher", publisherProcess);
        await DataRelayChecks.WaitOpenAsync(evidence, publisher, "chat", "its chat channel to open (the node's DATA_CHANNEL_ACK)");

        // Subscriber 1 opens its own chat channel and receives media; subscriber 2 is data only and opens "x", so the
        // node opens chat toward it.
        var whep = new Uri(node.BaseUri, $"/whep/{stream}");
        var ownProcess = evidence.Add("aiortc subscriber 1 (its own chat channel, audio and video)",
            AiortcPeer.SubscribeData(whep, media: true, 120, rfc8832StreamIds: rfc8832StreamIds));
        var givenProcess = evidence.Add("aiortc subscriber 2 (channel x, data only)",
            AiortcPeer.SubscribeData(whep, media: false, 120, label: "x", rfc8832StreamIds: rfc8832StreamIds));
        var own = new DataPeer("aiortc subscriber 1", ownProcess);
        var given = new DataPeer("aiortc subscriber 2", givenProcess);
        await DataRelayChecks.WaitOpenAsync(evidence, own, "chat", "its own chat channel to open");
        await DataRelayChecks.WaitOpenAsync(evidence, given, "x", "its own x channel to open");
        var opened = PeerLine.Parse(await DataRelayChecks.WaitOpenAsync(evidence, given, "chat", "the chat channel the node opens toward it (its datachannel event)"));
        await evidence.AssertAsync(opened["by"] == "remote" && opened["ordered"] == "True" && opened["max_retransmits"] == "None",
            $"subscriber 2's chat channel is not the node's reliable, ordered copy of the publisher's: {opened}");

        await DataRelayChecks.BurstReachesEverySubscriberAsync(evidence, publisher, Burst, Sizes, "chat", TimeSpan.FromSeconds(60), own, given);
        await DataRelayChecks.RepliesReachOnlyThePublisherAsync(evidence, publisher, "chat", Burst, own, given);
        await DataRelayChecks.NothingDroppedAsync(evidence);
        await DataRelayChecks.NoPeerErrorsAsync(evidence, publisherProcess, ownProcess, givenProcess);
    }
}
