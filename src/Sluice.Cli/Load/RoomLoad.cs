using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sluice.Client.Publish;
using Sluice.Client.Room;

namespace Sluice.Cli.Load;

/// <summary>What <see cref="RoomLoad"/> runs: a room on a node, P publishers of the files, S subscribers.</summary>
internal sealed record RoomLoadOptions(Uri Node, string Room, int Publishers, int Subscribers, TimeSpan Duration)
{
    public string? VideoPath { get; init; }

    public string? AudioPath { get; init; }

    public string? Token { get; init; }

    public int BatchSize { get; init; } = 20;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Loads a room the way weever-streaming's clients use it: S subscribers join in batches and get their first offer,
/// then P publishers (<c>p0</c>…, looping the files) join together; subscriber <c>i</c> below P is publisher
/// <c>i</c>'s own subscriber connection (the same person, so it receives the other P-1), the rest (<c>s…</c>)
/// receive all P. For the duration it counts, per
/// subscriber and publisher, the packets received and lost (sequence gaps, no NACK), and the times from a
/// publisher's POST to each subscriber's <c>PUB_JOIN</c> and to its first media packet there.
/// </summary>
internal sealed class RoomLoad(RoomLoadOptions options, HttpClient http, TextWriter? log = null)
{
    private readonly TextWriter _log = log ?? TextWriter.Null;
    private readonly ConcurrentDictionary<string, long> _posted = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<double> _toJoin = [];
    private readonly ConcurrentBag<double> _toMedia = [];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var suffix = "+" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = new List<Task<PublishResult>>();
        var subscribers = new List<RoomSubscriber>();
        var failures = new Dictionary<string, int>();
        try
        {
            for (var start = 0; start < options.Subscribers && !cancellationToken.IsCancellationRequested; start += options.BatchSize)
            {
                var batch = new List<(RoomSubscriber Subscriber, Task<string?> Connect)>();
                for (var i = start; i < Math.Min(options.Subscribers, start + options.BatchSize); i++)
                {
                    var subscriber = Subscriber(i < options.Publishers ? $"p{i}{suffix}" : $"s{i}{suffix}");
                    batch.Add((subscriber, subscriber.ConnectAsync(options.ConnectTimeout, cancellationToken)));
                }

                foreach (var (subscriber, connect) in batch)
                {
                    if (await connect.ConfigureAwait(false) is { } failure)
                    {
                        failures[failure] = failures.GetValueOrDefault(failure) + 1;
                        await subscriber.DisposeAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        subscribers.Add(subscriber);
                    }
                }

                _log.WriteLine($"started {Math.Min(options.Subscribers, start + options.BatchSize)} of {options.Subscribers} subscribers: {subscribers.Count} connected");
            }

            // Every subscriber has its first offer (an empty room) before anyone publishes, so each publisher's
            // arrival is one renegotiation and its times start at its POST.
            var waitUntil = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 10.0);
            while (subscribers.Any(s => s.Offers == 0) && Stopwatch.GetTimestamp() < waitUntil)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }

            for (var i = 0; i < options.Publishers; i++)
            {
                var fullId = $"p{i}{suffix}";
                _posted[fullId] = Stopwatch.GetTimestamp();
                var publisher = new WhipPublisher(new WhipPublisherOptions(Endpoint("pub", fullId))
                {
                    VideoPath = options.VideoPath,
                    AudioPath = options.AudioPath,
                    Loop = true,
                    Token = options.Token,
                    Conference = true,
                }, http);
                publishing.Add(publisher.RunAsync(stop.Token));
            }

            try
            {
                await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: report what we have.
            }

            return Report(subscribers, failures);
        }
        finally
        {
            await Task.WhenAll(subscribers.Select(s => s.StopAsync())).ConfigureAwait(false);
            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync().ConfigureAwait(false);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(publishing).ConfigureAwait(false);
        }
    }

    private RoomSubscriber Subscriber(string fullId)
    {
        RoomSubscriber? subscriber = null;
        subscriber = new RoomSubscriber(Endpoint("sub", fullId), options.Token, http, line =>
        {
            if (line.StartsWith("PUB_JOIN ", StringComparison.Ordinal) && _posted.TryGetValue(line[9..], out var posted))
            {
                _toJoin.Add(Stopwatch.GetElapsedTime(posted).TotalMilliseconds);
            }
        });
        subscriber.FirstPacket += publisher =>
        {
            if (_posted.TryGetValue(publisher, out var posted))
            {
                _toMedia.Add(Stopwatch.GetElapsedTime(posted).TotalMilliseconds);
            }
        };
        return subscriber;
    }

    private Uri Endpoint(string role, string fullId) =>
        new(options.Node, $"/{role}/{Uri.EscapeDataString(options.Room)}/{Uri.EscapeDataString(fullId)}");

    private string Report(List<RoomSubscriber> subscribers, Dictionary<string, int> failures)
    {
        long packets = 0, lost = 0, streams = 0, videoStreams = 0;
        var expectedStreams = 0;
        foreach (var subscriber in subscribers)
        {
            foreach (var (_, received, video, missing) in subscriber.Counts())
            {
                packets += received;
                lost += missing;
                streams++;
                videoStreams += video > 0 ? 1 : 0;
            }
        }

        for (var i = 0; i < options.Subscribers; i++)
        {
            expectedStreams += i < options.Publishers ? options.Publishers - 1 : options.Publishers;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"room {options.Room}: {options.Publishers} publishers, {subscribers.Count} of {options.Subscribers} subscribers connected");
        foreach (var (reason, count) in failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {count} failed: {reason}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"publisher streams received: {streams} of {expectedStreams}, with video: {videoStreams}");
        text.AppendLine(CultureInfo.InvariantCulture, $"packets received: {packets}, lost: {lost} ({(packets + lost == 0 ? 0 : 100.0 * lost / (packets + lost)):F3} %)");
        text.AppendLine(CultureInfo.InvariantCulture, $"offers answered per subscriber: {Describe(subscribers.Select(s => (double)s.Offers))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"publisher POST to PUB_JOIN at a subscriber, ms: {Describe(_toJoin)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"publisher POST to its first packet at a subscriber, ms: {Describe(_toMedia)}");
        return text.ToString();
    }

    private static string Describe(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return "none";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"median {sorted[sorted.Count / 2]:F0}, p95 {sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(sorted.Count * 0.95) - 1)]:F0}, max {sorted[^1]:F0} (n={sorted.Count})");
    }
}
