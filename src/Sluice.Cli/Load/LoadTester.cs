using Sluice.Client.Rtp;
using Sluice.Client.Subscribe;

namespace Sluice.Cli.Load;

/// <summary>
/// Runs N WHEP subscribers against one stream (each on its own UDP socket): started in batches so the server is
/// not flooded with handshakes, kept for the duration, then all DELETEd. Nothing is decoded or written; each
/// subscriber counts packets and losses through its <see cref="RtpReceiver"/> with NACK off.
/// </summary>
internal sealed class LoadTester(LoadTesterOptions options, HttpClient http, TextWriter? log = null)
{
    private readonly TextWriter _log = log ?? TextWriter.Null;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var subscriberOptions = new WhepSubscriberOptions(options.Endpoint)
        {
            Token = options.Token,
            ConnectTimeout = options.ConnectTimeout,
            Receiver = new RtpReceiverOptions { Nack = false, GiveUpAfter = options.ReorderWindow, KeepPayloads = false },
            Reconnect = true,
            FastFailover = false,

            // Nothing to NACK or assemble: the timer only sends receiver reports and gives up old gaps.
            TickInterval = TimeSpan.FromMilliseconds(100),
        };
        var connected = new List<WhepSubscriber>();
        var failures = new Dictionary<string, int>();
        var all = new List<WhepSubscriber>();
        try
        {
            for (var start = 0; start < options.Subscribers && !cancellationToken.IsCancellationRequested; start += options.BatchSize)
            {
                var count = Math.Min(options.BatchSize, options.Subscribers - start);
                var batch = new List<(WhepSubscriber Subscriber, Task<WhepConnectResult> Connect)>();
                for (var i = 0; i < count; i++)
                {
                    var subscriber = new WhepSubscriber(subscriberOptions, http);
                    all.Add(subscriber);
                    batch.Add((subscriber, ConnectAsync(subscriber, cancellationToken)));
                }

                foreach (var (subscriber, connect) in batch)
                {
                    var result = await connect.ConfigureAwait(false);
                    if (result.Succeeded)
                    {
                        connected.Add(subscriber);
                    }
                    else
                    {
                        var reason = result.Describe();
                        failures[reason] = failures.GetValueOrDefault(reason) + 1;
                    }
                }

                _log.WriteLine($"started {start + count} of {options.Subscribers}: {connected.Count} connected");
            }

            try
            {
                await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: report what we have.
            }

            return BuildReport(connected, failures);
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var stops = new List<Task>();
            foreach (var subscriber in all)
            {
                stops.Add(subscriber.StopAsync(timeout.Token));
            }

            await Task.WhenAll(stops).ConfigureAwait(false);
        }
    }

    private static async Task<WhepConnectResult> ConnectAsync(WhepSubscriber subscriber, CancellationToken cancellationToken)
    {
        try
        {
            return await subscriber.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new WhepConnectResult(Failure: "cancelled");
        }
    }

    private LoadReport BuildReport(List<WhepSubscriber> connected, Dictionary<string, int> failures)
    {
        long packets = 0, lost = 0;
        var firstPackets = new List<TimeSpan>();
        var never = 0;
        var reconnects = 0;
        var latency = new LatencyHistogram();
        foreach (var subscriber in connected)
        {
            reconnects += subscriber.Reconnects;
            latency.Add(subscriber.Latency);
            var stats = subscriber.GetStats();
            packets += stats.PacketsReceived;
            lost += stats.Lost;
            if (stats.FirstPacketTime is { } first)
            {
                firstPackets.Add(first);
            }
            else
            {
                never++;
            }
        }

        firstPackets.Sort();
        return new LoadReport(
            options.Subscribers,
            connected.Count,
            packets,
            lost,
            LoadReport.Percentile(firstPackets, 50),
            LoadReport.Percentile(firstPackets, 95),
            firstPackets.Count > 0 ? firstPackets[^1] : null,
            never,
            failures)
        {
            LatencyP50 = latency.Percentile(50),
            LatencyP99 = latency.Percentile(99),
            Reconnects = reconnects,
        };
    }
}
