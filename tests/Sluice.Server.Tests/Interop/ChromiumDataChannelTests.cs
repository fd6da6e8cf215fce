using System.Text.Json;
using Sluice.Server.Tests.Support;
using Sluice.Sfu.Sessions;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// Data channels (SCTP over DTLS, DCEP; RFC 8831, 8832) through the node with Chromium on both ends: a publisher's
/// messages reach every subscriber that negotiated a data channel, on the subscriber's own channel of that label or
/// on one the node opens toward it with the publisher's label, protocol, ordering and reliability; a subscriber's
/// messages reach the publisher only; closing a channel (SCTP stream reset, RFC 6525) closes the other side.
/// Pages compare SHA-256 digests of each message, so payloads never travel through Playwright.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumDataChannelTests(ITestOutputHelper output)
{
    /// <summary>The a=max-message-size the node answers with, and the largest message the tests send.</summary>
    private const int MaxMessageSize = 262_144;

    private static readonly TimeSpan Open = TimeSpan.FromSeconds(20);

    [ChromiumFact]
    public async Task A_publishers_messages_reach_two_subscribers_in_order_and_a_subscribers_reach_only_the_publisher()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "publisher");
        var scene = new Scene(node, "dc-fanout", publisher);
        await publisher.StartAsync("/whip/dc-fanout", PageMedia.Camera, new ChannelSpec("chat", Protocol: "chat-v1"));
        await publisher.WaitConnectedAsync();
        AssertAnswerHasDataChannel(await publisher.AnswerSdpAsync(), withMedia: true);
        await scene.WaitAsync("the publisher's chat to open", r => IsOpen(r, "publisher", "chat", ChannelOrigin.Local), Open);

        // A opens its own chat, so the node uses it; B opens only a control channel, so the node opens chat toward B.
        var a = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber A");
        var b = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber B");
        scene.Add(a, b);
        await a.StartAsync("/whep/dc-fanout", PageMedia.Receive, new ChannelSpec("chat"));
        await b.StartAsync("/whep/dc-fanout", PageMedia.Receive, new ChannelSpec("control"));
        AssertAnswerHasDataChannel(await a.AnswerSdpAsync(), withMedia: true);
        AssertAnswerHasDataChannel(await b.AnswerSdpAsync(), withMedia: true);
        var ready = await scene.WaitAsync("A's own chat, B's control and the chat the node opens toward B, all open",
            r => IsOpen(r, "subscriber A", "chat", ChannelOrigin.Local) && IsOpen(r, "subscriber B", "control", ChannelOrigin.Local)
                && IsOpen(r, "subscriber B", "chat", ChannelOrigin.Remote),
            Open);
        AssertChannel(ready["subscriber B"].One("chat", ChannelOrigin.Remote)!, "subscriber B's node-opened chat", "chat-v1", ordered: true, maxRetransmits: null);
        foreach (var (name, report) in ready)
        {
            Assert.True(report.MaxMessageSize == MaxMessageSize,
                $"{name}: pc.sctp.maxMessageSize is {report.MaxMessageSize}, expected {MaxMessageSize} from the answer's a=max-message-size");
        }

        // 1,000 messages, text and binary alternating, 1 byte to 256 KiB, with flow control in the page.
        var started = DateTime.UtcNow;
        var sent = await publisher.SendManyAsync("chat", 1000, MaxMessageSize);
        output.WriteLine($"publisher sent {sent.Count} messages, {sent.Sum(m => (long)m.N)} bytes, largest {sent.Max(m => m.N)}, in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        var (delivered, complete) = await scene.TryWaitProgressAsync(
            r => Received(r, "subscriber A", "chat", ChannelOrigin.Local) >= sent.Count && Received(r, "subscriber B", "chat", ChannelOrigin.Remote) >= sent.Count,
            r => Received(r, "subscriber A", "chat", ChannelOrigin.Local) + Received(r, "subscriber B", "chat", ChannelOrigin.Remote),
            stall: TimeSpan.FromSeconds(30), timeout: TimeSpan.FromSeconds(240));
        if (!complete)
        {
            Assert.Fail($"not all 1,000 messages reached A's chat and B's node-opened chat (no progress for 30 s, or 240 s in all). " +
                $"Subscriber A: {Gaps(sent, await a.ReceivedAsync("chat", ChannelOrigin.Local))}. " +
                $"Subscriber B: {Gaps(sent, await b.ReceivedAsync("chat", ChannelOrigin.Remote))}. {scene.NodeData()} {Describe(delivered)}");
        }

        output.WriteLine($"both subscribers had all {sent.Count} after {(DateTime.UtcNow - started).TotalSeconds:0.0} s. {scene.NodeData()}");
        AssertSameMessages(sent, await a.ReceivedAsync("chat", ChannelOrigin.Local), "subscriber A's own chat");
        AssertSameMessages(sent, await b.ReceivedAsync("chat", ChannelOrigin.Remote), "subscriber B's node-opened chat");

        // A's reply reaches the publisher's chat and nobody else: a marker the publisher sends after receiving it is
        // the next thing both subscribers see (the node would have forwarded A's message to B before the marker).
        await a.SendAsync("chat", ChannelOrigin.Local, "reply from A");
        await scene.WaitAsync("A's reply at the publisher's chat", r => Received(r, "publisher", "chat", ChannelOrigin.Local) >= 1, Open);
        await publisher.SendAsync("chat", ChannelOrigin.Local, "marker after A");
        await scene.WaitAsync("the marker at A and B", r => Received(r, "subscriber A", "chat", ChannelOrigin.Local) > sent.Count
            && Received(r, "subscriber B", "chat", ChannelOrigin.Remote) > sent.Count, Open);
        AssertTexts(["reply from A"], await publisher.ReceivedAsync("chat", ChannelOrigin.Local), "the publisher's chat (A's reply, nothing else)");
        AssertTexts(["marker after A"], await b.ReceivedAsync("chat", ChannelOrigin.Remote, sent.Count), "B's chat after the 1,000 (A's reply must not reach B)");
        AssertTexts(["marker after A"], await a.ReceivedAsync("chat", ChannelOrigin.Local, sent.Count), "A's chat after the 1,000 (its own reply must not come back)");

        // B writes on control, a label the publisher has no channel for: the node opens control toward the publisher.
        await b.SendAsync("control", ChannelOrigin.Local, "reply from B");
        var replied = await scene.WaitAsync("B's reply on a control channel the node opens toward the publisher",
            r => Received(r, "publisher", "control", ChannelOrigin.Remote) >= 1, Open);
        AssertChannel(replied["publisher"].One("control", ChannelOrigin.Remote)!, "the control channel the node opened toward the publisher", "", ordered: true, maxRetransmits: null);
        AssertTexts(["reply from B"], await publisher.ReceivedAsync("control", ChannelOrigin.Remote), "the publisher's node-opened control");
        await publisher.SendAsync("chat", ChannelOrigin.Local, "marker after B");
        var end = await scene.WaitAsync("the second marker at A and B", r => Received(r, "subscriber A", "chat", ChannelOrigin.Local) > sent.Count + 1
            && Received(r, "subscriber B", "chat", ChannelOrigin.Remote) > sent.Count + 1, Open);
        AssertTexts(["marker after B"], await a.ReceivedAsync("chat", ChannelOrigin.Local, sent.Count + 1), "A's chat after B's reply");
        AssertTexts(["marker after B"], await b.ReceivedAsync("chat", ChannelOrigin.Remote, sent.Count + 1), "B's chat after its own reply");

        // Nothing else arrived anywhere: A has no second chat, and no other channel at A or B carried a message.
        Assert.True(!end["subscriber A"].Named("chat", ChannelOrigin.Remote).Any(),
            $"the node opened a chat toward A although A has its own: {Describe(end)}");
        var expected = new HashSet<string> { "publisher local chat", "publisher remote control", "subscriber A local chat", "subscriber B remote chat" };
        var stray = end.SelectMany(p => p.Value.Channels.Where(c => c.Received > 0 && !expected.Contains($"{p.Key} {c.Origin} {c.Label}"))
            .Select(c => $"{p.Key} {c.Origin} '{c.Label}': {c.Received}")).ToList();
        Assert.True(stray.Count == 0, $"messages on channels that should carry none: {string.Join("; ", stray)}. {Describe(end)}");
    }

    [ChromiumFact]
    public async Task An_unordered_channel_without_retransmissions_delivers_on_loopback()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "publisher");
        await publisher.StartAsync("/whip/dc-telemetry", PageMedia.Camera, new ChannelSpec("telemetry", Ordered: false, MaxRetransmits: 0, Protocol: "t1"));
        await publisher.WaitConnectedAsync();
        var player = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber");
        var scene = new Scene(node, "dc-telemetry", publisher, player);
        await player.StartAsync("/whep/dc-telemetry", PageMedia.Receive, new ChannelSpec("control"));
        var ready = await scene.WaitAsync("the publisher's telemetry and the one the node opens toward the subscriber to open",
            r => IsOpen(r, "publisher", "telemetry", ChannelOrigin.Local) && IsOpen(r, "subscriber", "telemetry", ChannelOrigin.Remote), Open);
        AssertChannel(ready["subscriber"].One("telemetry", ChannelOrigin.Remote)!, "the subscriber's node-opened telemetry", "t1", ordered: false, maxRetransmits: 0);

        const int count = 200;
        await publisher.SendTextsAsync("telemetry", ChannelOrigin.Local, "t:", count);

        // Loss is allowed on this channel, so the wait ends at all 200 or after a while, and the share is checked.
        var seen = await scene.PollOrLastAsync(r => Received(r, "subscriber", "telemetry", ChannelOrigin.Remote) >= count, TimeSpan.FromSeconds(15));
        var received = await player.ReceivedAsync("telemetry", ChannelOrigin.Remote);
        output.WriteLine($"unordered maxRetransmits 0 on loopback: {received.Count} of {count} delivered");
        var expected = Enumerable.Range(0, count).Select(i => "t:" + i).ToHashSet();
        var unknown = received.Where(m => m.T != "text" || m.S is null || !expected.Contains(m.S)).ToList();
        Assert.True(unknown.Count == 0, $"the subscriber received messages that were never sent: {string.Join(", ", unknown.Take(10))}");
        var duplicates = received.GroupBy(m => m.S).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"the subscriber received duplicates: {string.Join(", ", duplicates.Take(10))}");
        Assert.True(received.Count >= count * 95 / 100,
            $"only {received.Count} of {count} telemetry messages arrived on loopback (at least 95 % expected). {Describe(seen)} {scene.NodeData()}");
    }

    [ChromiumFact]
    public async Task Closing_a_channel_on_either_side_closes_the_other()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "publisher");
        await publisher.StartAsync("/whip/dc-reset", PageMedia.Camera, new ChannelSpec("chat"));
        await publisher.WaitConnectedAsync();
        var a = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber A");
        var b = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber B");
        var scene = new Scene(node, "dc-reset", publisher, a, b);
        await a.StartAsync("/whep/dc-reset", PageMedia.Receive, new ChannelSpec("chat"));
        await b.StartAsync("/whep/dc-reset", PageMedia.Receive, new ChannelSpec("control"));
        await scene.WaitAsync("every channel open", r => IsOpen(r, "publisher", "chat", ChannelOrigin.Local) && IsOpen(r, "subscriber A", "chat", ChannelOrigin.Local)
            && IsOpen(r, "subscriber B", "control", ChannelOrigin.Local) && IsOpen(r, "subscriber B", "chat", ChannelOrigin.Remote), Open);

        // Chromium fires close on a channel it closed only once the node has reset its own outgoing stream too.
        var closeTimeout = TimeSpan.FromSeconds(10);
        await a.CloseChannelAsync("chat", ChannelOrigin.Local);
        var afterA = await scene.WaitAsync("onclose on A's chat after A closed it (the node must reset its side)",
            r => IsClosed(r, "subscriber A", "chat", ChannelOrigin.Local), closeTimeout);
        Assert.True(IsOpen(afterA, "publisher", "chat", ChannelOrigin.Local) && IsOpen(afterA, "subscriber B", "chat", ChannelOrigin.Remote),
            $"a subscriber closing its own chat closed other sessions' channels: {Describe(afterA)}");
        await publisher.SendAsync("chat", ChannelOrigin.Local, "after A closed");
        await scene.WaitAsync("B still receiving after A's reset", r => Received(r, "subscriber B", "chat", ChannelOrigin.Remote) >= 1, Open);
        AssertTexts(["after A closed"], await b.ReceivedAsync("chat", ChannelOrigin.Remote), "B's chat");

        await b.CloseChannelAsync("control", ChannelOrigin.Local);
        await scene.WaitAsync("onclose on B's control after B closed it", r => IsClosed(r, "subscriber B", "control", ChannelOrigin.Local), closeTimeout);

        // The publisher closes chat: the node resets it toward the publisher and closes the chat it opened toward B.
        await publisher.CloseChannelAsync("chat", ChannelOrigin.Local);
        var end = await scene.WaitAsync("onclose on the publisher's chat and on B's node-opened chat",
            r => IsClosed(r, "publisher", "chat", ChannelOrigin.Local) && IsClosed(r, "subscriber B", "chat", ChannelOrigin.Remote), closeTimeout);
        foreach (var (name, report) in end)
        {
            Assert.True(report.Connection == "connected", $"{name}'s connection is {report.Connection} after the channels closed: {Describe(end)}");
        }
    }

    [ChromiumFact]
    public async Task A_data_channel_only_offer_publishes_and_a_subscriber_receives_its_messages()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "publisher");
        var scene = new Scene(node, "dc-only", publisher);
        await publisher.StartAsync("/whip/dc-only", PageMedia.None, new ChannelSpec("chat"));
        Assert.Equal(201, await publisher.Page.EvaluateAsync<int>("() => window.answerStatus"));
        AssertAnswerHasDataChannel(await publisher.AnswerSdpAsync(), withMedia: false);
        await publisher.WaitConnectedAsync();
        await scene.WaitAsync("onopen on the publisher's chat", r => IsOpen(r, "publisher", "chat", ChannelOrigin.Local), Open);

        var player = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber");
        scene.Add(player);
        await player.StartAsync("/whep/dc-only", PageMedia.None, new ChannelSpec("chat"));
        AssertAnswerHasDataChannel(await player.AnswerSdpAsync(), withMedia: false);
        await scene.WaitAsync("onopen on the subscriber's chat", r => IsOpen(r, "subscriber", "chat", ChannelOrigin.Local), Open);

        await publisher.SendTextsAsync("chat", ChannelOrigin.Local, "only data ", 20);
        await scene.WaitAsync("20 messages at the subscriber", r => Received(r, "subscriber", "chat", ChannelOrigin.Local) >= 20, Open);
        AssertTexts(Enumerable.Range(0, 20).Select(i => "only data " + i).ToArray(), await player.ReceivedAsync("chat", ChannelOrigin.Local), "the subscriber's chat");
    }

    [ChromiumFact]
    public async Task A_subscriber_joining_later_gets_the_open_channel_and_the_messages_sent_after_it_joined()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var publisher = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "publisher");
        var scene = new Scene(node, "dc-late", publisher);
        await publisher.StartAsync("/whip/dc-late", PageMedia.Camera, new ChannelSpec("chat", Protocol: "chat-v1"));
        await publisher.WaitConnectedAsync();
        await scene.WaitAsync("the publisher's chat to open", r => IsOpen(r, "publisher", "chat", ChannelOrigin.Local), Open);
        await publisher.SendTextsAsync("chat", ChannelOrigin.Local, "early ", 5);

        var player = await DataChannelTab.OpenAsync(chromium.Browser, node.BaseUri, "subscriber");
        scene.Add(player);
        await player.StartAsync("/whep/dc-late", PageMedia.Receive, new ChannelSpec("control"));
        var ready = await scene.WaitAsync("the chat the node opens toward the late subscriber", r => IsOpen(r, "subscriber", "chat", ChannelOrigin.Remote), Open);
        AssertChannel(ready["subscriber"].One("chat", ChannelOrigin.Remote)!, "the late subscriber's node-opened chat", "chat-v1", ordered: true, maxRetransmits: null);

        await publisher.SendTextsAsync("chat", ChannelOrigin.Local, "late ", 10);
        await scene.WaitAsync("10 later messages at the subscriber", r => Received(r, "subscriber", "chat", ChannelOrigin.Remote) >= 10, Open);
        AssertTexts(Enumerable.Range(0, 10).Select(i => "late " + i).ToArray(), await player.ReceivedAsync("chat", ChannelOrigin.Remote),
            "the late subscriber's chat (only what was sent after it joined)");
    }

    private static bool IsOpen(Dictionary<string, PageReport> reports, string tab, string label, ChannelOrigin origin) =>
        reports[tab].One(label, origin) is { State: "open", Opened: true };

    private static bool IsClosed(Dictionary<string, PageReport> reports, string tab, string label, ChannelOrigin origin) =>
        reports[tab].One(label, origin) is { Closed: true };

    /// <summary>Messages whose digest is done, on the one channel of that label and origin (0 when there is none).</summary>
    private static int Received(Dictionary<string, PageReport> reports, string tab, string label, ChannelOrigin origin) =>
        reports[tab].One(label, origin) is { } channel ? channel.Received : 0;

    /// <summary>A node, the stream under test and the tabs on it: waits read every tab, and failures print what each page and the node saw.</summary>
    private sealed class Scene(TestNode node, string stream, params DataChannelTab[] tabs)
    {
        private DataChannelTab[] _tabs = tabs;

        public void Add(params DataChannelTab[] more) => _tabs = [.. _tabs, .. more];

        public async Task<Dictionary<string, PageReport>> ReportsAsync()
        {
            var reports = new Dictionary<string, PageReport>();
            foreach (var tab in _tabs)
            {
                reports[tab.Name] = await tab.ReportAsync();
            }

            return reports;
        }

        /// <summary>Reads every tab's report until <paramref name="done"/> holds; on timeout fails with what each page and the node saw.</summary>
        public async Task<Dictionary<string, PageReport>> WaitAsync(string what, Func<Dictionary<string, PageReport>, bool> done, TimeSpan timeout)
        {
            var (reports, reached) = await PollAsync(done, _ => 0, timeout, timeout);
            return reached ? reports : throw new TimeoutException($"{what}: not reached in {timeout.TotalSeconds} s. {Describe(reports)} {NodeData()}");
        }

        /// <summary>
        /// For long transfers: polls until <paramref name="done"/>, giving up as soon as <paramref name="progress"/> has not
        /// grown for <paramref name="stall"/> (messages lost or stuck), or at <paramref name="timeout"/>.
        /// </summary>
        public Task<(Dictionary<string, PageReport> Reports, bool Reached)> TryWaitProgressAsync(Func<Dictionary<string, PageReport>, bool> done,
            Func<Dictionary<string, PageReport>, long> progress, TimeSpan stall, TimeSpan timeout) =>
            PollAsync(done, progress, stall, timeout);

        /// <summary>Polls until <paramref name="done"/>; returns the last reports either way (for waits whose end is not guaranteed, lossy channels).</summary>
        public async Task<Dictionary<string, PageReport>> PollOrLastAsync(Func<Dictionary<string, PageReport>, bool> done, TimeSpan timeout) =>
            (await PollAsync(done, _ => 0, timeout, timeout)).Reports;

        private async Task<(Dictionary<string, PageReport> Reports, bool Reached)> PollAsync(Func<Dictionary<string, PageReport>, bool> done,
            Func<Dictionary<string, PageReport>, long> progress, TimeSpan stall, TimeSpan timeout)
        {
            var start = DateTime.UtcNow;
            var lastProgress = start;
            var best = long.MinValue;
            while (true)
            {
                var reports = await ReportsAsync();
                if (done(reports))
                {
                    return (reports, true);
                }

                var now = DateTime.UtcNow;
                if (progress(reports) is var p && p > best)
                {
                    best = p;
                    lastProgress = now;
                }

                if (now - start > timeout || now - lastProgress > stall)
                {
                    return (reports, false);
                }

                await Task.Delay(200);
            }
        }

        /// <summary>The node's side: per session, its SCTP association counters and each channel's, for failure messages.</summary>
        public string NodeData()
        {
            if (!node.Node.TryGetStream(stream, out var room) || room is null)
            {
                return $"Node: no stream '{stream}'.";
            }

            var text = new System.Text.StringBuilder($"Node, stream '{stream}': ");
            foreach (var session in room.Publishers.Cast<SfuSession>().Concat(room.Subscribers))
            {
                text.Append(session.Role).Append(' ').Append(session.Id).Append(": ");
                if (session.Data is not { } data)
                {
                    text.Append("no data channels; ");
                    continue;
                }

                var sctp = data.Endpoint.Association;
                var stats = sctp.Stats;
                text.Append($"sctp {sctp.State}, messages in/out {stats.MessagesReceived}/{stats.MessagesSent}, bytes in/out {stats.BytesReceived}/{stats.BytesSent}, " +
                    $"retransmissions {stats.Retransmissions} (fast {stats.FastRetransmits}), timeouts {stats.Timeouts}, abandoned {stats.AbandonedMessages}, " +
                    $"dropped for window {stats.DataDroppedWindow}, oversized {stats.OversizedMessages}, endpoint dropped {data.Endpoint.Dropped}, " +
                    $"unknown stream {data.Endpoint.UnknownStreamMessages}, bad DCEP {data.Endpoint.BadMessages}; channels [");
                foreach (var channel in data.Channels)
                {
                    text.Append($"'{channel.Label}' stream {channel.Id} {(channel.OpenedByPeer ? "peer-opened" : "node-opened")} {channel.State}: " +
                        $"received {channel.MessagesReceived}, sent {channel.MessagesSent}, dropped {channel.Dropped}, buffered {channel.BufferedAmount} B; ");
                }

                text.Append("]; ");
            }

            return text.ToString();
        }
    }

    private static string Describe(Dictionary<string, PageReport> reports) => "Pages saw: " + JsonSerializer.Serialize(reports);

    private static void AssertChannel(ChannelReport channel, string what, string protocol, bool ordered, int? maxRetransmits)
    {
        Assert.True(channel.Protocol == protocol && channel.Ordered == ordered && channel.MaxRetransmits == maxRetransmits && channel.MaxPacketLifeTime is null,
            $"{what}: protocol '{channel.Protocol}', ordered {channel.Ordered}, maxRetransmits {channel.MaxRetransmits?.ToString() ?? "null"}, " +
            $"maxPacketLifeTime {channel.MaxPacketLifeTime?.ToString() ?? "null"}; expected protocol '{protocol}', ordered {ordered}, " +
            $"maxRetransmits {maxRetransmits?.ToString() ?? "null"}, maxPacketLifeTime null (the publisher's parameters)");
    }

    /// <summary>Same messages, same order, same type; otherwise fails with what is missing or out of place.</summary>
    private static void AssertSameMessages(List<MessageDigest> sent, List<MessageDigest> received, string where)
    {
        if (received.Count != sent.Count || sent.Where((m, i) => !m.SameAs(received[i])).Any())
        {
            Assert.Fail($"{where}: {Gaps(sent, received)}");
        }
    }

    /// <summary>
    /// How <paramref name="received"/> differs from <paramref name="sent"/>: which sent messages are missing (matching
    /// received against sent in order), and where the order breaks if received holds something out of place.
    /// </summary>
    private static string Gaps(List<MessageDigest> sent, List<MessageDigest> received)
    {
        var missing = new List<int>();
        var next = 0;
        for (var i = 0; i < sent.Count; i++)
        {
            if (next < received.Count && sent[i].SameAs(received[next]))
            {
                next++;
            }
            else
            {
                missing.Add(i);
            }
        }

        var text = $"received {received.Count} of {sent.Count}";
        if (missing.Count > 0)
        {
            var sizes = missing.Select(i => sent[i].N).Order().ToList();
            text += $"; missing {missing.Count} (as an in-order subsequence): {string.Join(", ", missing.Take(25).Select(i => $"#{i} {sent[i]}"))}" +
                (missing.Count > 25 ? ", ..." : "") + $"; missing sizes min/median/max {sizes[0]}/{sizes[sizes.Count / 2]}/{sizes[^1]} B, " +
                $"{missing.Count(i => sent[i].T == "text")} text and {missing.Count(i => sent[i].T == "binary")} binary";
        }

        if (next < received.Count)
        {
            var sentAt = sent.Select((m, k) => (m.D, k)).ToLookup(x => x.D, x => x.k);
            var at = received[next];
            text += $"; order or content broken at received #{next}: {at} " +
                (sentAt[at.D].Any() ? $"(sent as #{string.Join("/#", sentAt[at.D])})" : "(matches nothing sent)") +
                $", {received.Count - next} received from there not matched";
        }

        return text;
    }

    private static void AssertTexts(string[] expected, List<MessageDigest> received, string where)
    {
        var got = received.Select(m => m.T == "text" && m.S is not null ? m.S : m.ToString()).ToArray();
        Assert.True(expected.SequenceEqual(got), $"{where}: expected [{string.Join(" | ", expected)}], received [{string.Join(" | ", got)}]");
    }

    /// <summary>
    /// The answer accepts the offer's m=application section (UDP/DTLS/SCTP webrtc-datachannel, a=sctp-port,
    /// a=max-message-size:262144) and bundles it with the media sections, if any.
    /// </summary>
    private static void AssertAnswerHasDataChannel(string answer, bool withMedia)
    {
        var lines = answer.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var start = Array.FindIndex(lines, l => l.StartsWith("m=application ", StringComparison.Ordinal));
        Assert.True(start >= 0, $"the answer has no m=application section:\n{answer}");
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("m=", StringComparison.Ordinal));
        var section = lines[start..(end < 0 ? lines.Length : end)];
        var mLine = section[0].Split(' ');
        Assert.True(mLine.Length >= 4 && mLine[1] != "0" && mLine[2] == "UDP/DTLS/SCTP" && mLine[3] == "webrtc-datachannel",
            $"the answer's application section is '{section[0]}', expected an accepted (non-zero port) UDP/DTLS/SCTP webrtc-datachannel:\n{answer}");
        Assert.True(section.Any(l => l.StartsWith("a=sctp-port:", StringComparison.Ordinal)), $"the answer's application section has no a=sctp-port:\n{answer}");
        Assert.True(section.Contains("a=max-message-size:" + MaxMessageSize), $"the answer's application section lacks a=max-message-size:{MaxMessageSize}:\n{answer}");
        var mid = section.FirstOrDefault(l => l.StartsWith("a=mid:", StringComparison.Ordinal))?["a=mid:".Length..];
        var bundle = lines.FirstOrDefault(l => l.StartsWith("a=group:BUNDLE ", StringComparison.Ordinal))?.Split(' ').Skip(1).ToArray() ?? [];
        Assert.True(mid is not null && bundle.Contains(mid), $"the application section (mid {mid ?? "none"}) is not in the BUNDLE group [{string.Join(' ', bundle)}]:\n{answer}");
        var media = lines.Where(l => l.StartsWith("m=audio ", StringComparison.Ordinal) || l.StartsWith("m=video ", StringComparison.Ordinal)).ToList();
        Assert.True(withMedia ? media.Count == 2 : media.Count == 0, $"the answer has {media.Count} media sections, expected {(withMedia ? 2 : 0)}:\n{answer}");
    }
}
