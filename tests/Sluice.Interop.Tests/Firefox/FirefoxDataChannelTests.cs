using Sluice.Interop.Tests.Aiortc;
using Sluice.Interop.Tests.GStreamer;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Firefox;

/// <summary>
/// Firefox ESR's data channels (its SCTP is usrsctp; it offers a=max-message-size:1073741823 and takes the node's
/// 256 KiB) through the node, beside audio and video: a Firefox publisher's messages of every size up to the node's
/// limit reach Firefox, Chromium and aiortc subscribers whole and in order, and a GStreamer publisher's reach Firefox.
/// </summary>
[Collection(MediaPeersCollection.Name)]
public sealed class FirefoxDataChannelTests
{
    private const int Burst = 200;

    /// <summary>
    /// 1 byte to the node's whole max-message-size (256 KiB), around one SCTP chunk and 64 KiB (the default limit of a
    /// peer that says none), in an odd count so that text and binary both get every size: about 11 MB in a burst.
    /// </summary>
    private const string Sizes = "1,100,1200,1201,16384,65535,65536,65537,262144,5000,131072";

    private static readonly TimeSpan BurstTimeout = TimeSpan.FromSeconds(120);

    [PeerFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public Task Two_firefox_players_get_200_messages_of_a_firefox_publisher_in_order_and_a_reply_reaches_only_the_publisher() =>
        FirefoxPublisherAndTwoPlayers("firefox-data", chromiumPlayers: false);

    /// <summary>The same with the players in Chromium (libwebrtc's dcSCTP on their side).</summary>
    [PeerAndChromiumFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public Task Two_chromium_players_get_200_messages_of_a_firefox_publisher_in_order_and_a_reply_reaches_only_the_publisher() =>
        FirefoxPublisherAndTwoPlayers("firefox-chromium-data", chromiumPlayers: true);

    /// <summary>An aiortc subscriber (data only, its own chat channel); aiortc takes at most 64 KiB, so the burst stays within that.</summary>
    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public async Task An_aiortc_subscriber_gets_every_message_of_a_firefox_publisher_and_its_reply_reaches_the_publisher()
    {
        const string stream = "firefox-data-aiortc";
        const int burst = 60;
        await using var node = await FirefoxPeer.StartNodeAsync();
        using var sessions = new NodeSessions(node);
        await using var evidence = new DataEvidence(node, sessions, stream);
        var firefox = evidence.Add("Firefox (publisher tab, channel chat)", FirefoxPeer.StartData(node, stream, "chat", stream, []));
        var publisher = new DataPeer("the Firefox publisher", firefox, "publisher");
        await evidence.WaitAsync(firefox, line => line == "all connected", TimeSpan.FromSeconds(40), "Firefox's publisher to connect");
        await DataRelayChecks.WaitOpenAsync(evidence, publisher, "chat", "its chat channel to open (the node's DATA_CHANNEL_ACK)");

        var subscriberProcess = evidence.Add("aiortc subscriber (its own chat channel, data only)",
            AiortcPeer.SubscribeData(new Uri(node.BaseUri, $"/whep/{stream}"), media: false, 180));
        var subscriber = new DataPeer("the aiortc subscriber", subscriberProcess);
        await DataRelayChecks.WaitOpenAsync(evidence, subscriber, "chat", "its chat channel to open");

        await DataRelayChecks.BurstReachesEverySubscriberAsync(evidence, publisher, burst, AiortcDataChannelTests.Sizes, "chat", BurstTimeout, subscriber);
        await DataRelayChecks.RepliesReachOnlyThePublisherAsync(evidence, publisher, "chat", burst, subscriber);
        await DataRelayChecks.NothingDroppedAsync(evidence);
        await DataRelayChecks.NoPeerErrorsAsync(evidence, firefox, subscriberProcess);
    }

    /// <summary>Firefox as the subscriber of another stack: a GStreamer publisher's burst reaches a Firefox player on the channel the node opens toward it.</summary>
    [PeerFact(FirefoxPeer.Program, FirefoxPeer.Package)]
    public async Task A_firefox_player_gets_every_message_of_a_gstreamer_publisher_and_its_reply_reaches_the_publisher()
    {
        const string stream = "gst-data-firefox";
        const int burst = 60;
        await using var node = await FirefoxPeer.StartNodeAsync();
        using var sessions = new NodeSessions(node);
        await using var evidence = new DataEvidence(node, sessions, stream);
        var gstreamer = evidence.Add("GStreamer publisher (channel chat, audio and video)", GStreamerPeer.PublishData(new Uri(node.BaseUri, $"/whip/{stream}"), 180));
        var publisher = new DataPeer("the GStreamer publisher", gstreamer);
        await DataRelayChecks.WaitOpenAsync(evidence, publisher, "chat", "its chat channel to open (the node's DATA_CHANNEL_ACK)");

        // The player opens "x": the node opens chat toward it (ondatachannel).
        var firefox = evidence.Add("Firefox (player tab, channel x)", FirefoxPeer.StartData(node, null, null, stream, ["x"]));
        var player = new DataPeer("the Firefox player", firefox, "player1");
        await evidence.WaitAsync(firefox, line => line == "all connected", TimeSpan.FromSeconds(40), "Firefox's player to connect");
        await DataRelayChecks.WaitOpenAsync(evidence, player, "x", "its own x channel to open");
        await DataRelayChecks.WaitOpenAsync(evidence, player, "chat", "the chat channel the node opens toward it");

        await DataRelayChecks.BurstReachesEverySubscriberAsync(evidence, publisher, burst, AiortcDataChannelTests.Sizes, "chat", BurstTimeout, player);
        await DataRelayChecks.RepliesReachOnlyThePublisherAsync(evidence, publisher, "chat", burst, player);
        await DataRelayChecks.NothingDroppedAsync(evidence);
        await DataRelayChecks.NoPeerErrorsAsync(evidence, gstreamer, firefox);
    }

    /// <summary>
    /// A Firefox publisher with a chat channel and two players: player 1 opens its own chat channel, player 2 opens
    /// "x", so the node opens chat toward it.
    /// </summary>
    private static async Task FirefoxPublisherAndTwoPlayers(string stream, bool chromiumPlayers)
    {
        await using var node = await FirefoxPeer.StartNodeAsync();
        using var sessions = new NodeSessions(node);
        await using var evidence = new DataEvidence(node, sessions, stream);
        var players = chromiumPlayers ? "Chromium players" : "Firefox players";
        var firefox = evidence.Add($"Firefox (publisher tab with channel chat; {players} with chat and x)",
            FirefoxPeer.StartData(node, stream, "chat", stream, ["chat", "x"], chromiumPlayers));
        var publisher = new DataPeer("the Firefox publisher", firefox, "publisher");
        var own = new DataPeer($"player 1 ({players}, its own chat channel)", firefox, "player1");
        var given = new DataPeer($"player 2 ({players}, channel x)", firefox, "player2");
        await evidence.WaitAsync(firefox, line => line == "all connected", TimeSpan.FromSeconds(60), "the publisher and both players to connect");
        await DataRelayChecks.WaitOpenAsync(evidence, publisher, "chat", "its chat channel to open (the node's DATA_CHANNEL_ACK)");
        await DataRelayChecks.WaitOpenAsync(evidence, own, "chat", "its own chat channel to open");
        await DataRelayChecks.WaitOpenAsync(evidence, given, "x", "its own x channel to open");
        var opened = PeerLine.Parse(await DataRelayChecks.WaitOpenAsync(evidence, given, "chat", "the chat channel the node opens toward it (ondatachannel)"));
        await evidence.AssertAsync(opened["by"] == "remote" && opened["ordered"] == "True" && opened["max_retransmits"] == "None",
            $"player 2's chat channel is not the node's reliable, ordered copy of the publisher's: {opened}");

        await DataRelayChecks.BurstReachesEverySubscriberAsync(evidence, publisher, Burst, Sizes, "chat", BurstTimeout, own, given);
        await DataRelayChecks.RepliesReachOnlyThePublisherAsync(evidence, publisher, "chat", Burst, own, given);
        await DataRelayChecks.NothingDroppedAsync(evidence);
        await DataRelayChecks.NoPeerErrorsAsync(evidence, firefox);
    }
}
