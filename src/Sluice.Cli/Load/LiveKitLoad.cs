using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Google.Protobuf;
using Sluice.LiveKit;
using Sluice.LiveKit.Protocol;

namespace Sluice.Cli.Load;

/// <summary>
/// A join burst over LiveKit's signalling: <see cref="Participants"/> clients open their WebSocket to <c>/rtc</c> at
/// once, each reads the join response and the participant updates until it knows every other one, and nothing else
/// (no peer connection: this loads the signalling alone). Reports the time to each join response (p50, p99), the
/// time until everyone knew everyone, and the signalling messages the node sent per second over the burst.
/// </summary>
internal sealed class LiveKitLoad(Uri node, string room, int participants, string apiKey, string apiSecret, TimeSpan timeout)
{
    // Everyone stays until everyone knows everyone: one leaving earlier would be news to the others.
    private readonly TaskCompletionSource _allKnow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _knowing;

    public int Participants => participants;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, participants).Select(i => RunClientAsync($"load-{i:D4}", clock, stop.Token)).ToList();
        var results = await Task.WhenAll(clients).ConfigureAwait(false);
        var all = clock.Elapsed;
        var joins = results.Where(r => r.Joined is not null).Select(r => r.Joined!.Value.TotalMilliseconds).Order().ToList();
        var complete = results.Count(r => r.KnewEveryoneAt is not null);
        var lastKnew = results.Where(r => r.KnewEveryoneAt is not null).Select(r => r.KnewEveryoneAt!.Value).DefaultIfEmpty(all).Max();
        var messages = results.Sum(r => r.Messages);
        var described = results.Sum(r => r.Described);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{participants} LiveKit clients joined room {room}: {joins.Count} got a join response, {complete} came to know all {participants - 1} others");
        if (joins.Count > 0)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"join response after {Percentile(joins, 0.5):F0} ms (p50), {Percentile(joins, 0.99):F0} ms (p99)");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"everyone knew everyone after {lastKnew.TotalMilliseconds:F0} ms; {messages} signalling messages from the node ({messages / Math.Max(lastKnew.TotalSeconds, 0.001):F0} per second) describing {described} participants ({described / Math.Max(lastKnew.TotalSeconds, 0.001):F0} per second)");
        foreach (var failure in results.Select(r => r.Failure).OfType<string>().Distinct().Take(5))
        {
            report.AppendLine("failure: " + failure);
        }

        return report.ToString();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private async Task<ClientResult> RunClientAsync(string identity, Stopwatch clock, CancellationToken cancellationToken)
    {
        var token = AccessToken.Create(new AccessClaims(apiKey, identity, new VideoGrant { RoomJoin = true, Room = room }), apiSecret, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var url = new UriBuilder(node)
        {
            Scheme = node.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Path = node.AbsolutePath.TrimEnd('/') + "/rtc",
            Query = "access_token=" + Uri.EscapeDataString(token) + "&auto_subscribe=0&sdk=sluice-cli",
        }.Uri;
        using var socket = new ClientWebSocket();
        var started = clock.Elapsed;
        TimeSpan? joined = null;
        long messages = 0;
        long described = 0;
        var known = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[256 * 1024];
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new ClientResult(joined, null, messages, described, "the node closed the connection");
                }

                messages++;
                var response = SignalResponse.Parser.ParseFrom(buffer, 0, length);
                IEnumerable<ParticipantInfo> infos = [];
                if (response.MessageCase == SignalResponse.MessageOneofCase.Join)
                {
                    joined = clock.Elapsed - started;
                    infos = response.Join.OtherParticipants;
                }
                else if (response.MessageCase == SignalResponse.MessageOneofCase.Update)
                {
                    infos = response.Update.Participants;
                }

                foreach (var info in infos.Where(i => i.Identity != identity))
                {
                    described++;
                    if (info.State == ParticipantInfo.Types.State.Disconnected)
                    {
                        known.Remove(info.Identity);
                    }
                    else
                    {
                        known.Add(info.Identity);
                    }
                }

                if (known.Count == participants - 1)
                {
                    var knewAt = clock.Elapsed;
                    if (Interlocked.Increment(ref _knowing) == participants)
                    {
                        _allKnow.TrySetResult();
                    }

                    await _allKnow.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                    await socket.SendAsync(new SignalRequest { Leave = new LeaveRequest { Reason = DisconnectReason.ClientInitiated } }.ToByteArray(),
                        WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false);
                    return new ClientResult(joined, knewAt, messages, described, null);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidProtocolBufferException)
        {
            return new ClientResult(joined, null, messages, described, e is OperationCanceledException ? $"knew {known.Count} of {participants - 1} others at the timeout" : e.Message);
        }
    }

    private sealed record ClientResult(TimeSpan? Joined, TimeSpan? KnewEveryoneAt, long Messages, long Described, string? Failure);
}
