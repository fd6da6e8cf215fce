using System.Diagnostics;
using System.Globalization;
using Sluice.Testing;

namespace Sluice.DataChannelBench;

/// <summary>
/// <c>[--seconds N] [--warmup N] [--rounds N] [--bulk-size B] [--small-size B] [--high B] [--low B] [--node PATH] [--two-tabs] [--verbose]</c>:
/// one reliable ordered channel <c>bulk</c>, measured two ways side by side in one Chromium: directly between two
/// RTCPeerConnections in one page (Chromium's SCTP on both ends), and between two RTCPeerConnections in one page
/// through a node, a WHIP publisher and a WHEP subscriber (the node echoes the page's messages back to it), so both
/// ways cost the browser the same: one renderer sending and receiving. <c>--two-tabs</c> puts publisher and
/// subscriber in tabs of their own instead (two renderers, which on two cores costs the browser more per megabyte). Each way runs a bulk test (64 KiB messages) and a message-rate test (100-byte messages); the
/// sender keeps bufferedAmount under <c>--high</c> and waits for bufferedamountlow at <c>--low</c>. Rates are what the
/// receiving page counted over the window after the warm-up. The node's CPU (utime + stime from /proc) is read before
/// and after each node phase and divided by the messages and megabytes the node sent to the subscriber (admin API).
/// Run it inside ../shared/bin/netns-run: it uses 127.0.0.1 only.
/// </summary>
internal static class BenchCommand
{
    private const string Stream = "bench";
    private const double Mega = 1_000_000;

    /// <summary>How long connecting a pair and opening its channel may take.</summary>
    private static readonly TimeSpan Setup = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        if (!Options.TryParse(args, out var options, out var error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine("usage: [--seconds N=5] [--warmup N=1] [--rounds N=1] [--bulk-size B=65536] [--small-size B=100] [--high B=1048576] [--low B=262144] [--node PATH] [--two-tabs] [--verbose]");
            return 2;
        }

        var nodePath = options.Node ?? DefaultNodePath();
        if (!File.Exists(nodePath))
        {
            Console.Error.WriteLine($"no node at {nodePath}: build it (dotnet build -c Release src/Sluice.Server) or pass --node PATH");
            return 2;
        }

        if (!Chromium.IsInstalled)
        {
            Console.Error.WriteLine($"no Chromium at {Chromium.ExecutablePath} (apt-get install chromium, or set SLUICE_CHROMIUM)");
            return 2;
        }

        Console.WriteLine($"node {nodePath}");
        Console.WriteLine($"load average at start: {LoadAverage()}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"window {options.Seconds.TotalSeconds} s after {options.Warmup.TotalSeconds} s warm-up; bufferedAmount kept under {options.High} B, refilled at {options.Low} B; MB = 10^6 B");

        await using var node = await BenchNode.StartAsync(nodePath);
        await using var chromium = await Chromium.StartAsync();
        var self = Environment.ProcessId;
        var results = new List<Result>();
        try
        {
            var direct = await BenchPage.OpenAsync(chromium.Browser, node.BaseUri, "direct");
            await direct.DirectAsync().WaitAsync(Setup);
            var publisher = await BenchPage.OpenAsync(chromium.Browser, node.BaseUri, "publisher");
            await publisher.PublishAsync($"/whip/{Stream}").WaitAsync(Setup);
            var subscriber = options.TwoTabs ? await BenchPage.OpenAsync(chromium.Browser, node.BaseUri, "subscriber") : publisher;
            await subscriber.SubscribeAsync($"/whep/{Stream}").WaitAsync(Setup);
            Console.WriteLine($"connected: direct pair, WHIP publisher, WHEP subscriber with the node-opened 'bulk' ({(options.TwoTabs ? "publisher and subscriber in two tabs" : "publisher and subscriber in one tab")})");
            Console.WriteLine();
            Console.WriteLine(Result.Header);

            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var test in new[] { Test.Bulk(options.BulkSize), Test.Small(options.SmallSize) })
                {
                    foreach (var route in new[] { Route.Direct, Route.Node })
                    {
                        var result = route == Route.Direct
                            ? await MeasureAsync(round, test, route, direct, direct, null, options, self, node.Pid)
                            : await MeasureAsync(round, test, route, publisher, subscriber, node, options, self, node.Pid);
                        results.Add(result);
                        Console.WriteLine(result.Row());
                        if (options.Verbose)
                        {
                            Console.WriteLine(result.Detail());
                            if (route == Route.Node)
                            {
                                // The sessions' SCTP counters so far (retransmissions, fast or by timeout, window drops).
                                Console.WriteLine("  node: " + await node.StreamJsonAsync(Stream));
                            }
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is TimeoutException or Microsoft.Playwright.PlaywrightException or InvalidOperationException)
        {
            Console.Error.WriteLine($"failed: {e.Message}");
            Console.Error.WriteLine($"GET /api/streams/{Stream}: {await TryAsync(() => node.StreamJsonAsync(Stream))}");
            Console.Error.WriteLine($"node log:{Environment.NewLine}{node.LastLog}");
            return 1;
        }

        Console.WriteLine();
        Summarize(results);
        Console.WriteLine($"load average at end: {LoadAverage()}");
        return 0;
    }

    private static async Task<Result> MeasureAsync(
        int round, Test test, Route route, BenchPage sender, BenchPage receiver, BenchNode? node, Options options, int self, int nodePid)
    {
        var udp0 = UdpDrops.Read();
        var senderLeg0 = (await sender.TransportsAsync())[0];
        var receiverLeg0 = (await receiver.TransportsAsync())[^1];
        var start = await receiver.ReceivedAsync();
        var nodeStart = node is null ? null : await node.StreamDataAsync(Stream);
        var cpuStart = node?.Cpu() ?? TimeSpan.Zero;

        var sending = sender.SendForAsync(test.Size, options.Warmup + options.Seconds + TimeSpan.FromMilliseconds(500), options.High, options.Low);
        await Task.Delay(options.Warmup);
        var (nodeCpu0, browserCpu0, clock0) = (node?.Cpu() ?? TimeSpan.Zero, ProcessCpu.OfDescendants(self, nodePid), Stopwatch.GetTimestamp());
        var window0 = await receiver.ReceivedAsync();
        await Task.Delay(options.Seconds);
        var (nodeCpu1, browserCpu1, elapsed) = (node?.Cpu() ?? TimeSpan.Zero, ProcessCpu.OfDescendants(self, nodePid), Stopwatch.GetElapsedTime(clock0));
        var window1 = await receiver.ReceivedAsync();
        var sent = await sending;

        // Drain: everything sent has arrived, or nothing more has for 2 s (the node dropped some; counted below).
        var expected = start.Msgs + sent.Msgs;
        var end = await receiver.ReceivedAsync();
        var lastProgress = Stopwatch.GetTimestamp();
        while (end.Msgs < expected && Stopwatch.GetElapsedTime(lastProgress) < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(100);
            var now = await receiver.ReceivedAsync();
            if (now.Msgs != end.Msgs)
            {
                lastProgress = Stopwatch.GetTimestamp();
            }

            end = now;
        }

        var cpuEnd = node?.Cpu() ?? TimeSpan.Zero;
        var senderLeg = (await sender.TransportsAsync())[0] - senderLeg0;
        var receiverLeg = (await receiver.TransportsAsync())[^1] - receiverLeg0;
        var udp1 = UdpDrops.Read();
        long UdpDropped(int port) => udp1.GetValueOrDefault(port) - udp0.GetValueOrDefault(port);
        var socketDrops = new SocketDrops(UdpDropped(senderLeg.Port), UdpDropped(receiverLeg.Port), node is null ? 0 : UdpDropped(node.UdpPort));
        var nodeDelta = node is null ? null : await node.StreamDataAsync(Stream) - nodeStart!;
        var seconds = (window1.T - window0.T) / 1000;
        return new Result(
            round, test, route,
            (window1.Bytes - window0.Bytes) / seconds / Mega,
            (window1.Msgs - window0.Msgs) / seconds,
            sent,
            end.Msgs - start.Msgs,
            Math.Max(0, end.Last - window1.T) / 1000,
            (nodeCpu1 - nodeCpu0) / elapsed,
            (browserCpu1 - browserCpu0) / elapsed,
            cpuEnd - cpuStart,
            nodeDelta,
            senderLeg,
            receiverLeg,
            socketDrops);
    }

    private static void Summarize(List<Result> results)
    {
        var rounds = results.Max(r => r.Round);
        var which = rounds == 1 ? "" : $" (median of {rounds} rounds)";
        double Median(Test test, Route route, Func<Result, double> value)
        {
            var values = results.Where(r => r.Test == test && r.Route == route).Select(value).Order().ToList();
            return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
        }

        var bulk = results[0].Test;
        var small = results.First(r => !r.Test.IsBulk).Test;
        Console.WriteLine(Invariant($"{"",-28} {bulk.Name + " MB/s",16} {small.Name + " msg/s",16}{which}"));
        foreach (var route in new[] { Route.Direct, Route.Node })
        {
            Console.WriteLine(Invariant($"{Describe(route),-28} {Median(bulk, route, r => r.MegabytesPerSecond),16:F1} {Median(small, route, r => r.MessagesPerSecond),16:N0}"));
        }

        double Ratio(Test test, Func<Result, double> value) => Median(test, Route.Node, value) / Median(test, Route.Direct, value);
        Console.WriteLine(Invariant($"{"node / direct",-28} {Ratio(bulk, r => r.MegabytesPerSecond),16:P0} {Ratio(small, r => r.MessagesPerSecond),16:P0}"));
        Console.WriteLine(Invariant($"{"node CPU µs per message out",-28} {Median(bulk, Route.Node, r => r.NodeMicrosPerMessage),16:F1} {Median(small, Route.Node, r => r.NodeMicrosPerMessage),16:F1}"));
        Console.WriteLine(Invariant($"{"node CPU µs per message in",-28} {Median(bulk, Route.Node, r => r.NodeMicrosPerMessageIn),16:F1} {Median(small, Route.Node, r => r.NodeMicrosPerMessageIn),16:F1}"));
        Console.WriteLine(Invariant($"{"node CPU µs per MB out",-28} {Median(bulk, Route.Node, r => r.NodeMicrosPerMegabyte),16:F0} {Median(small, Route.Node, r => r.NodeMicrosPerMegabyte),16:F0}"));
        var throughputRatio = Ratio(bulk, r => r.MegabytesPerSecond);
        Console.WriteLine(Invariant($"goal: the node path reaches 80 % of direct throughput: {(throughputRatio >= 0.8 ? "met" : "not met")} ({throughputRatio:P0})"));
        var dropped = results.Sum(r => r.Node?.Publisher.Dropped + r.Node?.Subscriber.Dropped ?? 0);
        var lost = results.Where(r => r.Received != r.Sent.Msgs).ToList();
        Console.WriteLine(Invariant($"node drops (admin API, both sessions): {dropped:N0}; runs where the receiver got fewer messages than were sent: {lost.Count}"));
        long Socket(Route route, Func<SocketDrops, long> which) => results.Where(r => r.Route == route).Sum(r => which(r.SocketDrops));
        Console.WriteLine(Invariant(
            $"UDP datagrams dropped on full receive buffers (/proc/net/udp): direct pair {Socket(Route.Direct, d => d.Sender + d.Receiver):N0}; through the node: subscriber's socket {Socket(Route.Node, d => d.Receiver):N0}, publisher's {Socket(Route.Node, d => d.Sender):N0}, node's {Socket(Route.Node, d => d.Node):N0}"));
    }

    private static string DefaultNodePath()
    {
        // bench/Sluice.DataChannelBench/bin/<Configuration>/net10.0/ → src/Sluice.Server/bin/<Configuration>/net10.0/sluice
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = here.Parent?.Name ?? "Release";
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Sluice.slnx")))
        {
            root = root.Parent;
        }

        return Path.Combine(root?.FullName ?? ".", "src", "Sluice.Server", "bin", configuration, "net10.0", "sluice");
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";

    private static async Task<string> TryAsync(Func<Task<string>> read)
    {
        try
        {
            return await read();
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static string Describe(Route route) => route == Route.Direct ? "Chromium ↔ Chromium" : "Chromium → node → Chromium";

    internal enum Route
    {
        Direct,
        Node,
    }

    /// <summary>UDP datagrams the kernel dropped on a full receive buffer during a measurement, per socket (/proc/net/udp).</summary>
    internal sealed record SocketDrops(long Sender, long Receiver, long Node);

    /// <summary>The bulk test or the message-rate test, with its message size.</summary>
    internal sealed record Test(bool IsBulk, int Size)
    {
        public static Test Bulk(int size) => new(true, size);

        public static Test Small(int size) => new(false, size);

        public string Name => Size % 1024 == 0 ? $"{Size / 1024} KiB" : $"{Size} B";
    }

    /// <summary>
    /// One measurement: rates over the window, what was sent and received in all, how long after the window the last
    /// message arrived (s; the sender stops 0.5 s after it), node and browser CPU over the window (cores), the node's CPU over the whole phase and its
    /// data counters' change (null on the direct path).
    /// </summary>
    internal sealed record Result(
        int Round, Test Test, Route Route, double MegabytesPerSecond, double MessagesPerSecond, Sent Sent, long Received, double Drain,
        double NodeCores, double BrowserCores, TimeSpan NodeCpu, StreamData? Node, TransportCounters SenderLeg, TransportCounters ReceiverLeg,
        SocketDrops SocketDrops)
    {
        public const string Header =
            "round test     path                         MB/s      msg/s      sent  received  dropped stalls drain s node CPU  µs/msg   µs/MB  browser CPU";

        public double NodeMicrosPerMessage => Node is { Subscriber.MessagesOut: > 0 } ? NodeCpu.TotalMicroseconds / Node.Subscriber.MessagesOut : double.NaN;

        public double NodeMicrosPerMessageIn => Node is { Publisher.MessagesIn: > 0 } ? NodeCpu.TotalMicroseconds / Node.Publisher.MessagesIn : double.NaN;

        public double NodeMicrosPerMegabyte => Node is { Subscriber.BytesOut: > 0 } ? NodeCpu.TotalMicroseconds / (Node.Subscriber.BytesOut / Mega) : double.NaN;

        /// <summary>Where the messages went: packets on each leg (DTLS records, retransmissions included), the sender's waits, the node's counters.</summary>
        public string Detail()
        {
            var text = Invariant(
                $"      sender: {SenderLeg.PacketsSent:N0} packets out ({SenderLeg.BytesSent / (double)Math.Max(1, Sent.Bytes):P1} of the payload), {SenderLeg.PacketsReceived:N0} in; {Sent.Waits:N0} waits for bufferedamountlow, longest {Sent.LongestWait:F0} ms; receiver: {ReceiverLeg.PacketsReceived:N0} packets in, {ReceiverLeg.PacketsSent:N0} out");
            text += Environment.NewLine + Invariant(
                $"      UDP datagrams dropped on a full receive buffer: sender's socket {SocketDrops.Sender:N0}, receiver's {SocketDrops.Receiver:N0}, node's {SocketDrops.Node:N0}");
            if (Node is { } node)
            {
                text += Environment.NewLine + Invariant(
                    $"      node: publisher in {node.Publisher.MessagesIn:N0} msgs {node.Publisher.BytesIn:N0} B, dropped {node.Publisher.Dropped:N0}; subscriber out {node.Subscriber.MessagesOut:N0} msgs {node.Subscriber.BytesOut:N0} B, dropped {node.Subscriber.Dropped:N0}; CPU {NodeCpu.TotalMilliseconds:N0} ms over the phase, {NodeMicrosPerMessageIn:F1} µs per message in");
            }

            return text;
        }

        public string Row()
        {
            var dropped = Node is null ? "-" : (Node.Publisher.Dropped + Node.Subscriber.Dropped).ToString("N0", CultureInfo.InvariantCulture);
            var nodeCpu = Node is null ? $"{"-",8} {"-",7} {"-",7}" : Invariant($"{NodeCores,8:P0} {NodeMicrosPerMessage,7:F1} {NodeMicrosPerMegabyte,7:F0}");
            return Invariant(
                $"{Round,5} {Test.Name,-8} {Describe(Route),-28} {MegabytesPerSecond,6:F1} {MessagesPerSecond,10:N0} {Sent.Msgs,9:N0} {Received,9:N0} {dropped,8} {Sent.Stalls,6} {Drain,7:F2} {nodeCpu} {BrowserCores,12:P0}");
        }
    }

    private sealed record Options(TimeSpan Seconds, TimeSpan Warmup, int Rounds, int BulkSize, int SmallSize, int High, int Low, string? Node, bool TwoTabs, bool Verbose)
    {
        public static bool TryParse(string[] args, out Options options, out string error)
        {
            options = new Options(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 1, 65536, 100, 1 << 20, 256 << 10, null, false, false);
            error = "";
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] is "--verbose" or "--two-tabs")
                {
                    options = args[i] == "--verbose" ? options with { Verbose = true } : options with { TwoTabs = true };
                    continue;
                }

                var value = i + 1 < args.Length ? args[i + 1] : null;
                var number = double.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : double.NaN;
                Options? next = args[i] switch
                {
                    "--seconds" when !double.IsNaN(number) => options with { Seconds = TimeSpan.FromSeconds(number) },
                    "--warmup" when !double.IsNaN(number) => options with { Warmup = TimeSpan.FromSeconds(number) },
                    "--rounds" when number >= 1 => options with { Rounds = (int)number },
                    "--bulk-size" when number is >= 1 and <= 262_144 => options with { BulkSize = (int)number },
                    "--small-size" when number is >= 1 and <= 262_144 => options with { SmallSize = (int)number },
                    "--high" when number >= 1 => options with { High = (int)number },
                    "--low" when number >= 1 => options with { Low = (int)number },
                    "--node" when value is not null => options with { Node = Path.GetFullPath(value) },
                    _ => null,
                };
                if (next is null)
                {
                    error = $"unexpected '{args[i]}'" + (value is null ? "" : $" '{value}'");
                    return false;
                }

                options = next;
                i++;
            }

            if (options.Low >= options.High)
            {
                error = $"--low {options.Low} must be below --high {options.High}";
                return false;
            }

            return true;
        }
    }
}
