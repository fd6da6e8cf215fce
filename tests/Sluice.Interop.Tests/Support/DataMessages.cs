namespace Sluice.Interop.Tests.Support;

/// <summary>
/// The data channel lines every peer prints (<c>Peers/common/datamessages.py</c>, <c>Peers/firefox/page.html</c>):
/// <c>sent seq=N label=L type=text|binary len=B digest=D</c> for each numbered message of a burst, and
/// <c>message label=L type=… len=… digest=… [text=T]</c> for each message received. A peer with several tabs puts
/// <c>tab=NAME</c> after the first word.
/// </summary>
public static class DataMessages
{
    /// <summary>One message as a line describes it.</summary>
    public sealed record Message(string Label, string Type, long Length, string Digest, string? Text, long? Seq)
    {
        public override string ToString() =>
            $"{(Seq is { } seq ? $"#{seq} " : string.Empty)}{Type} {Length} B {Digest}{(Text is null ? string.Empty : " \"" + Text + "\"")} on {Label}";
    }

    /// <summary>The numbered messages of the bursts a peer (or one of its tabs) sent, in order.</summary>
    public static IReadOnlyList<Message> Sent(PeerProcess peer, string? tab = null) =>
        [.. Read(peer, "sent", tab).Where(m => m.Seq is not null)];

    /// <summary>Every message a peer (or one of its tabs) received, in order, on <paramref name="label"/> or any label.</summary>
    public static IReadOnlyList<Message> Received(PeerProcess peer, string? tab = null, string? label = null) =>
        [.. Read(peer, "message", tab).Where(m => label is null || m.Label == label)];

    /// <summary>The single (non-burst) message a peer sent with <c>send LABEL text|binary PAYLOAD</c>, by its text/payload.</summary>
    public static Message? SentOne(PeerProcess peer, string label, string? tab = null) =>
        Read(peer, "sent", tab).LastOrDefault(m => m.Seq is null && m.Label == label);

    /// <summary>Whether <paramref name="received"/> holds a message of the type, length and digest of <paramref name="message"/>.</summary>
    public static bool Has(IEnumerable<Message> received, Message message) =>
        received.Any(m => m.Digest == message.Digest && m.Type == message.Type && m.Length == message.Length);

    /// <summary>
    /// Null when <paramref name="received"/> is exactly <paramref name="sent"/> (same order, type, length and digest);
    /// otherwise what differs: counts, the first difference, and the numbers missing.
    /// </summary>
    public static string? Compare(IReadOnlyList<Message> sent, IReadOnlyList<Message> received)
    {
        var first = -1;
        for (var i = 0; i < Math.Min(sent.Count, received.Count); i++)
        {
            if (sent[i].Type != received[i].Type || sent[i].Length != received[i].Length || sent[i].Digest != received[i].Digest)
            {
                first = i;
                break;
            }
        }

        if (first < 0 && sent.Count == received.Count)
        {
            return null;
        }

        var missing = sent.Where(s => !Has(received, s)).Select(s => s.Seq?.ToString() ?? s.Digest).ToList();
        var text = $"sent {sent.Count} messages, received {received.Count}";
        if (first >= 0)
        {
            text += $"; first difference at index {first}: sent {sent[first]}, received {received[first]}";
        }
        else if (received.Count < sent.Count)
        {
            text += $"; the first {received.Count} match, then nothing from {sent[received.Count]} on";
        }
        else
        {
            text += $"; all {sent.Count} arrived, then {received.Count - sent.Count} more from {received[sent.Count]} on";
        }

        if (missing.Count > 0)
        {
            text += $"; never received (seq or digest): {string.Join(' ', missing.Take(40))}{(missing.Count > 40 ? " …" : string.Empty)}";
        }

        var types = received.Zip(sent).Count(p => p.First.Digest == p.Second.Digest && p.First.Type != p.Second.Type);
        if (types > 0)
        {
            text += $"; {types} arrived with the other type (text as binary or binary as text)";
        }

        return text;
    }

    private static IEnumerable<Message> Read(PeerProcess peer, string word, string? tab)
    {
        foreach (var text in peer.Lines)
        {
            if (!text.StartsWith(word + " ", StringComparison.Ordinal))
            {
                continue;
            }

            var line = PeerLine.Parse(text);
            if (tab is not null && (!text.Contains($" tab={tab} ", StringComparison.Ordinal) || line["tab"] != tab))
            {
                continue;
            }

            if (!text.Contains(" digest=", StringComparison.Ordinal))
            {
                continue;
            }

            var seq = text.Contains(" seq=", StringComparison.Ordinal) ? line.Number("seq") : (long?)null;
            var shown = text.Contains(" text=", StringComparison.Ordinal) ? line["text"] : null;
            yield return new Message(line["label"], line["type"], line.Number("len"), line["digest"], shown, seq);
        }
    }
}
