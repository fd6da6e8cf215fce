using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;
using Sluice.Sfu.Sessions;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// Everything a data channel test shows when it fails: what each peer printed (its events in full, its message
/// lines counted), the node's session timeline, the admin API's <c>data</c> object of every session, and the
/// node's own SCTP counters per session (DCEP messages it refused, messages on unknown streams, retransmissions…),
/// which the admin API does not show. It owns the peers added to it: disposing it ends them, last added first.
/// </summary>
public sealed class DataEvidence(TestNode node, NodeSessions sessions, string stream) : IAsyncDisposable
{
    private readonly List<(string Name, PeerProcess Peer)> _peers = [];
    private readonly List<(string What, List<string> Changes)> _tracks = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Adds a peer to the report and to what this disposes (a process with several tabs is added once).</summary>
    public PeerProcess Add(string name, PeerProcess peer)
    {
        _peers.Add((name, peer));
        return peer;
    }

    /// <summary>Awaits a line of <paramref name="peer"/>; on a timeout or its exit, fails with the whole report.</summary>
    public async Task<string> WaitAsync(PeerProcess peer, Func<string, bool> match, TimeSpan timeout, string what)
    {
        try
        {
            return await peer.WaitForLineAsync(match, timeout, what);
        }
        catch (TimeoutException e)
        {
            Assert.Fail(await ReportAsync(e.Message.Split('\n')[0].Replace(" Its output:", string.Empty, StringComparison.Ordinal)));
            throw;
        }
    }

    /// <summary>
    /// Waits until <paramref name="count"/> messages arrived (from <paramref name="received"/>), or fails with the
    /// report after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForCountAsync(Func<int> received, int count, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = -1;
        var lastChange = DateTime.UtcNow;
        while (received() < count)
        {
            var now = received();
            if (now != last)
            {
                (last, lastChange) = (now, DateTime.UtcNow);
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(await ReportAsync(
                    $"{what}: {now} of {count} messages after {timeout.TotalSeconds:0} s (the last one came {(DateTime.UtcNow - lastChange).TotalSeconds:0.0} s ago)"));
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Records <paramref name="count"/> (a number of messages) every 100 ms from now until this is disposed; the
    /// report shows each change with its time, which shows a peer's throughput and when it stalled.
    /// </summary>
    public void Track(string what, Func<int> count)
    {
        var start = DateTime.UtcNow;
        var changes = new List<string>();
        lock (_tracks)
        {
            _tracks.Add((what, changes));
        }

        _ = Task.Run(async () =>
        {
            var last = -1;
            while (!_stop.IsCancellationRequested)
            {
                var now = count();
                if (now != last)
                {
                    last = now;
                    lock (_tracks)
                    {
                        changes.Add($"{(DateTime.UtcNow - start).TotalSeconds:0.0}s:{now}");
                    }
                }

                await Task.Delay(100);
            }
        });
    }

    /// <summary>Fails with the report when <paramref name="condition"/> is false.</summary>
    public async Task AssertAsync(bool condition, string what)
    {
        if (!condition)
        {
            Assert.Fail(await ReportAsync(what));
        }
    }

    /// <summary>The report: <paramref name="what"/> went wrong, then the node's view and every peer's output.</summary>
    public async Task<string> ReportAsync(string what)
    {
        var text = new StringBuilder();
        text.AppendLine(what);
        text.AppendLine("=== The node's sessions ===");
        text.AppendLine(sessions.Timeline);
        text.AppendLine("=== The node's SCTP, per session ===");
        text.AppendLine(NodeCounters());
        lock (_tracks)
        {
            foreach (var (track, changes) in _tracks)
            {
                var shown = changes.Count > 60 ? [.. changes.Take(30), "…", .. changes.TakeLast(30)] : changes;
                text.AppendLine($"=== {track}, time:count at each change ===");
                text.AppendLine(string.Join(' ', shown));
            }
        }

        text.AppendLine($"=== GET /api/streams/{stream}: each session's data ===");
        text.AppendLine(await AdminDataAsync());
        foreach (var (name, peer) in _peers.DistinctBy(p => p.Peer))
        {
            text.AppendLine($"=== {name} ({peer.Name}) ===");
            text.AppendLine(Digest(peer));
        }

        return text.ToString();
    }

    /// <summary>The admin API's <c>data</c> object of the publisher and each subscriber, one line each.</summary>
    public async Task<string> AdminDataAsync()
    {
        try
        {
            using var response = await node.Http.GetAsync("/api/streams/" + stream);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                return $"{(int)response.StatusCode} {body}";
            }

            var root = JsonDocument.Parse(body).RootElement;
            var lines = new List<string>();
            if (root.TryGetProperty("publisher", out var publisher) && publisher.ValueKind == JsonValueKind.Object)
            {
                lines.Add(SessionData("publisher", publisher));
            }

            if (root.TryGetProperty("subscribers", out var subscribers))
            {
                lines.AddRange(subscribers.EnumerateArray().Select(s => SessionData("subscriber", s)));
            }

            return lines.Count == 0 ? body : string.Join('\n', lines);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            return $"(the admin API did not answer: {e.Message})";
        }
    }

    /// <summary>The admin API's <c>data</c> objects of the stream's sessions (publisher first), for assertions; empty where none is shown.</summary>
    public async Task<IReadOnlyList<JsonElement>> AdminDataObjectsAsync()
    {
        using var response = await node.Http.GetAsync("/api/streams/" + stream);
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var found = new List<JsonElement>();
        if (root.TryGetProperty("publisher", out var publisher) && publisher.ValueKind == JsonValueKind.Object && publisher.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            found.Add(data.Clone());
        }

        if (root.TryGetProperty("subscribers", out var subscribers))
        {
            foreach (var subscriber in subscribers.EnumerateArray())
            {
                if (subscriber.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object)
                {
                    found.Add(d.Clone());
                }
            }
        }

        return found;
    }

    private static string SessionData(string role, JsonElement session)
    {
        var id = session.TryGetProperty("id", out var i) ? i.ToString() : "?";
        var state = session.TryGetProperty("state", out var s) ? s.ToString() : "?";
        var data = session.TryGetProperty("data", out var d) ? d.GetRawText() : "(no data object)";
        return $"{role} {id} ({state}): {data}";
    }

    private string NodeCounters()
    {
        if (!node.Node.TryGetStream(stream, out var room))
        {
            return "(the node has no such stream now)";
        }

        var lines = new List<string>();
        foreach (var session in room!.Publishers.Cast<SfuSession>().Concat(room.Subscribers))
        {
            var who = $"{session.Role.ToString().ToLowerInvariant()} {session.Id} transport={session.Transport.State}";
            if (session.Data is not { } data)
            {
                lines.Add($"{who}: no data section");
                continue;
            }

            var endpoint = data.Endpoint;
            var sctp = endpoint.Association.Stats;
            var channels = string.Join(", ", endpoint.Channels.Select(c =>
                $"{c.Id}:{c.Label}({c.State}, {(c.OpenedByPeer ? "peer's" : "node's")}, in {c.MessagesReceived}, out {c.MessagesSent}, dropped {c.Dropped}, buffered {c.BufferedAmount})"));
            lines.Add($"{who} dtls={session.Transport.DtlsRole} sctp={endpoint.Association.State} remote-port={data.Negotiated.RemotePort} remote-max-message={data.Negotiated.RemoteMaxMessageSize}"
                + $" channels=[{channels}] messages in/out={endpoint.MessagesReceived}/{endpoint.MessagesSent} bytes in/out={endpoint.BytesReceived}/{endpoint.BytesSent}"
                + $" dropped={endpoint.Dropped} refused-dcep-or-bad={endpoint.BadMessages} unknown-stream={endpoint.UnknownStreamMessages}"
                + $" | sctp packets in/out={sctp.PacketsReceived}/{sctp.PacketsSent} data-chunks-in={sctp.DataChunksReceived} dup-tsns={sctp.DuplicateTsns}"
                + $" dropped-window={sctp.DataDroppedWindow} retransmissions={sctp.Retransmissions} fast-rtx={sctp.FastRetransmits} timeouts={sctp.Timeouts}"
                + $" abandoned={sctp.AbandonedMessages} oversized={sctp.OversizedMessages} bad-checksum={sctp.BadChecksum} malformed={sctp.Malformed}"
                + $" bad-vtag={sctp.BadVerificationTag} bad-cookies={sctp.BadCookies} inits-dropped={sctp.InitsDropped}");
        }

        return lines.Count == 0 ? "(no sessions)" : string.Join('\n', lines);
    }

    /// <summary>A peer's output without the flood: every other line (last 80), and its message lines counted per label with the last three.</summary>
    private static string Digest(PeerProcess peer)
    {
        static bool IsMessage(string l) => l.StartsWith("message ", StringComparison.Ordinal) || l.StartsWith("sent seq=", StringComparison.Ordinal);
        static bool IsNoise(string l) => l.StartsWith("second=", StringComparison.Ordinal) || l.StartsWith("stats ", StringComparison.Ordinal)
            || l.StartsWith("offer| ", StringComparison.Ordinal) || l.StartsWith("answer| ", StringComparison.Ordinal);

        var lines = peer.Lines.ToList();
        var text = new StringBuilder();
        var events = lines.Where(l => !IsMessage(l) && !IsNoise(l)).ToList();
        if (events.Count > 80)
        {
            text.AppendLine($"(… {events.Count - 80} earlier lines)");
        }

        foreach (var line in events.TakeLast(80))
        {
            text.AppendLine(line);
        }

        var seconds = lines.Where(IsNoise).Where(l => !l.Contains("| ", StringComparison.Ordinal)).ToList();
        if (seconds.Count > 0)
        {
            text.AppendLine($"(last of {seconds.Count} per-second lines) {seconds[^1]}");
        }

        var messages = lines.Where(IsMessage).ToList();
        foreach (var group in messages.GroupBy(l => $"{l.Split(' ')[0]}{(l.Contains(" tab=", StringComparison.Ordinal) ? " " + PeerLine.Parse(l)["tab"] : string.Empty)} label={PeerLine.Parse(l)["label"]}"))
        {
            text.AppendLine($"{group.Count()} × \"{group.Key}\" lines, the last: {string.Join(" | ", group.TakeLast(3))}");
        }

        return text.ToString().TrimEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var peer in _peers.Select(p => p.Peer).Distinct().Reverse())
        {
            await peer.DisposeAsync();
        }
    }
}
