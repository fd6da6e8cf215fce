using System.Globalization;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// One data channel peer: a program, or one tab of a program with several (Firefox), whose commands are then
/// prefixed with the tab's name and whose lines carry <c>tab=NAME</c> after their first word.
/// </summary>
public sealed record DataPeer(string Name, PeerProcess Process, string? Tab = null)
{
    /// <summary>Sends a command (<c>burst COUNT SIZES</c>, <c>send LABEL text|binary PAYLOAD</c>) to this peer.</summary>
    public Task CommandAsync(string command) => Process.SendLineAsync(Tab is null ? command : $"{Tab} {command}");

    /// <summary>Whether <paramref name="line"/> is this peer's line starting with <paramref name="word"/>, followed by <paramref name="rest"/>.</summary>
    public bool Is(string line, string word, string rest) =>
        line.StartsWith(Tab is null ? $"{word} {rest}" : $"{word} tab={Tab} {rest}", StringComparison.Ordinal);

    public IReadOnlyList<DataMessages.Message> Sent() => DataMessages.Sent(Process, Tab);

    public IReadOnlyList<DataMessages.Message> Received(string? label = null) => DataMessages.Received(Process, Tab, label);

    public override string ToString() => Name;
}

/// <summary>
/// The node's forwarding rules (<c>DataRelay</c>) checked with real peers: a publisher's burst reaches every
/// subscriber whole, in order and with its type; a subscriber's message reaches the publisher only.
/// </summary>
public static class DataRelayChecks
{
    /// <summary>Awaits a <c>channel_open</c> (aiortc) or <c>data-channel open</c> (GStreamer, Firefox) line for <paramref name="label"/>; returns it.</summary>
    public static Task<string> WaitOpenAsync(DataEvidence evidence, DataPeer peer, string label, string what) =>
        evidence.WaitAsync(peer.Process, line => peer.Is(line, "channel_open", $"label={label} ") || peer.Is(line, "data-channel", $"open label={label} "),
            TimeSpan.FromSeconds(20), $"{peer}: {what}");

    /// <summary>
    /// The publisher sends <paramref name="count"/> numbered messages of <paramref name="sizes"/> on
    /// <paramref name="label"/>; every subscriber must receive exactly them on its channel of that label.
    /// </summary>
    public static async Task BurstReachesEverySubscriberAsync(DataEvidence evidence, DataPeer publisher, int count, string sizes, string label,
        TimeSpan timeout, params DataPeer[] subscribers)
    {
        evidence.Track($"{publisher}'s burst: messages it sent", () => publisher.Sent().Count);
        foreach (var subscriber in subscribers)
        {
            evidence.Track($"{publisher}'s burst: messages {subscriber} received on {label}", () => subscriber.Received(label).Count);
        }

        await publisher.CommandAsync($"burst {count.ToString(CultureInfo.InvariantCulture)} {sizes}");
        await evidence.WaitAsync(publisher.Process, line => publisher.Is(line, "burst_done", $"count={count}"), timeout, $"{publisher}'s burst of {count} to be sent");
        var sent = publisher.Sent();
        await evidence.AssertAsync(sent.Count == count, $"{publisher} printed {sent.Count} sent lines for a burst of {count}");
        foreach (var subscriber in subscribers)
        {
            await evidence.WaitForCountAsync(() => subscriber.Received(label).Count, count, timeout, $"{subscriber}'s messages on {label}");
            var difference = DataMessages.Compare(sent, subscriber.Received(label));
            await evidence.AssertAsync(difference is null, $"{subscriber} did not get {publisher}'s burst as it was sent: {difference}");
        }
    }

    /// <summary>
    /// Each subscriber sends one message on its <paramref name="label"/> channel (text and binary in turn): the
    /// publisher must receive all of them (on <paramref name="label"/>, with their types) and nothing else, and no
    /// subscriber any other's. <paramref name="burst"/> is what each subscriber had received before.
    /// </summary>
    public static async Task RepliesReachOnlyThePublisherAsync(DataEvidence evidence, DataPeer publisher, string label, int burst, params DataPeer[] subscribers)
    {
        var before = publisher.Received().Count;
        var replies = new List<DataMessages.Message>();
        for (var i = 0; i < subscribers.Length; i++)
        {
            var subscriber = subscribers[i];
            await subscriber.CommandAsync($"send {label} {(i % 2 == 0 ? "text" : "binary")} reply-from-subscriber-{i + 1}");
            await evidence.WaitAsync(subscriber.Process, line => subscriber.Is(line, "sent", $"label={label} "), TimeSpan.FromSeconds(10), $"{subscriber}'s reply to be sent");
            replies.Add(DataMessages.SentOne(subscriber.Process, label, subscriber.Tab)!);
        }

        await evidence.WaitForCountAsync(() => replies.Count(r => DataMessages.Has(publisher.Received(label), r)), replies.Count, TimeSpan.FromSeconds(15),
            $"the subscribers' replies at {publisher}");
        await Task.Delay(TimeSpan.FromSeconds(2)); // time for a wrongly forwarded message to arrive

        var got = publisher.Received().Skip(before).ToList();
        await evidence.AssertAsync(got.Count == replies.Count && got.All(m => m.Label == label),
            $"{publisher} should have received exactly the {replies.Count} replies on {label}, got: {string.Join("; ", got)}");
        foreach (var reply in replies)
        {
            await evidence.AssertAsync(got.Any(m => m.Digest == reply.Digest && m.Type == reply.Type), $"{publisher} got the reply {reply} with another type: {string.Join("; ", got)}");
        }

        for (var i = 0; i < subscribers.Length; i++)
        {
            var received = subscribers[i].Received();
            var others = replies.Where((_, j) => j != i).Where(r => DataMessages.Has(received, r)).ToList();
            await evidence.AssertAsync(others.Count == 0, $"{subscribers[i]} received another subscriber's reply: {string.Join("; ", others)}");
            await evidence.AssertAsync(received.Count == burst,
                $"{subscribers[i]} received {received.Count} messages in all, wanted only the {burst} of the burst: {string.Join("; ", received.Skip(burst).Take(5))}");
        }
    }

    /// <summary>The admin API's <c>data</c> of every session shows no dropped message.</summary>
    public static async Task NothingDroppedAsync(DataEvidence evidence)
    {
        foreach (var data in await evidence.AdminDataObjectsAsync())
        {
            await evidence.AssertAsync(data.GetProperty("dropped").GetInt64() == 0, $"the node dropped data channel messages: {data}");
        }
    }

    /// <summary>No peer printed an error: a failure line of its own, a refused command, a data channel error, a page error, or a traceback aiortc logged.</summary>
    public static async Task NoPeerErrorsAsync(DataEvidence evidence, params PeerProcess[] peers)
    {
        string[] bad = ["error", "command_error", "channel_error", "drain_error", "pageerror", "data-channel error", "log WARNING", "log ERROR"];
        var errors = peers.SelectMany(p => p.Lines).Where(line => bad.Any(b => line.StartsWith(b, StringComparison.Ordinal))).ToList();
        await evidence.AssertAsync(errors.Count == 0, $"the peers reported errors: {string.Join("; ", errors)}");
    }
}
