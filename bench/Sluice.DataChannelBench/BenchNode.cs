using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

using Sluice.Testing;

namespace Sluice.DataChannelBench;

/// <summary>
/// A <c>sluice</c> node started as a process of its own (<see cref="NodeProcess"/>) on 127.0.0.1, free ports,
/// warnings-only logging, with what the benchmark reads of it: its UDP port, CPU and data counters.
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly NodeProcess _process;

    private BenchNode(NodeProcess process, int udpPort)
    {
        _process = process;
        UdpPort = udpPort;
    }

    public Uri BaseUri => _process.BaseUri;

    public int Pid => _process.Pid;

    public int UdpPort { get; }

    /// <summary>The node's last output lines, for failure messages.</summary>
    public string LastLog => _process.Output;

    public static async Task<BenchNode> StartAsync(string executable)
    {
        var httpPort = FreePorts.Tcp();
        var udpPort = FreePorts.Udp();

        // The node reads appsettings.json from its content root, the working directory.
        var start = new ProcessStartInfo(executable, ["--listen", $"127.0.0.1:{httpPort}", "--udp-port", udpPort.ToString(CultureInfo.InvariantCulture),
            "--announce-ip", "127.0.0.1", "--Logging:LogLevel:Default", "Warning"]) { WorkingDirectory = Path.GetDirectoryName(executable)! };
        return new BenchNode(await NodeProcess.StartAsync(start, new Uri($"http://127.0.0.1:{httpPort}/")), udpPort);
    }

    /// <summary>The node's utime + stime so far.</summary>
    public TimeSpan Cpu() => ProcessCpu.Of(Pid);

    /// <summary>The data counters of a stream's publisher and first subscriber (<c>GET /api/streams/{stream}</c>).</summary>
    public async Task<StreamData> StreamDataAsync(string stream)
    {
        var info = await _process.Http.GetFromJsonAsync<StreamInfo>($"api/streams/{stream}", JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException($"GET /api/streams/{stream} answered null");
        return new StreamData(info.Publisher?.Data ?? DataCounters.None, info.Subscribers.FirstOrDefault()?.Data ?? DataCounters.None);
    }

    public Task<string> StreamJsonAsync(string stream) => _process.Http.GetStringAsync($"api/streams/{stream}");

    public ValueTask DisposeAsync() => _process.DisposeAsync();

}

/// <summary>CPU time of processes from /proc (utime + stime, in USER_HZ ticks of 10 ms).</summary>
internal static class ProcessCpu
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    public static TimeSpan Of(int pid) => TryRead(pid, out _, out var ticks) ? ticks * Tick : TimeSpan.Zero;

    /// <summary>The CPU of every process below <paramref name="root"/> (not itself), except <paramref name="except"/> and its own.</summary>
    public static TimeSpan OfDescendants(int root, int except)
    {
        var parents = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) && TryRead(pid, out var parent, out var ticks))
            {
                parents[pid] = (parent, ticks);
            }
        }

        long total = 0;
        foreach (var (pid, (_, ticks)) in parents)
        {
            var below = false;
            for (var p = pid; parents.TryGetValue(p, out var entry) && p != except; p = entry.Parent)
            {
                if (entry.Parent == root)
                {
                    below = true;
                    break;
                }
            }

            if (below)
            {
                total += ticks;
            }
        }

        return total * Tick;
    }

    private static bool TryRead(int pid, out int parent, out long ticks)
    {
        parent = 0;
        ticks = 0;
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        // The command name may hold spaces and parentheses: the fields start after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
        ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return true;
    }
}

/// <summary>
/// Datagrams the kernel dropped because a UDP socket's receive buffer was full: the <c>drops</c> column of
/// /proc/net/udp, per local port, for the sockets of this network namespace.
/// </summary>
internal static class UdpDrops
{
    public static Dictionary<int, long> Read()
    {
        var drops = new Dictionary<int, long>();
        foreach (var line in File.ReadLines("/proc/net/udp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1];
            var port = int.Parse(local.AsSpan(local.IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            drops[port] = drops.GetValueOrDefault(port) + long.Parse(fields[^1], CultureInfo.InvariantCulture);
        }

        return drops;
    }
}

internal sealed record StreamInfo(SessionInfo? Publisher, List<SessionInfo> Subscribers);

internal sealed record SessionInfo(string Id, DataCounters? Data);

/// <summary>A session's data channel counters as the admin API shows them.</summary>
internal sealed record DataCounters(long MessagesIn, long BytesIn, long MessagesOut, long BytesOut, long Dropped)
{
    public static DataCounters None { get; } = new(0, 0, 0, 0, 0);

    public static DataCounters operator -(DataCounters a, DataCounters b) =>
        new(a.MessagesIn - b.MessagesIn, a.BytesIn - b.BytesIn, a.MessagesOut - b.MessagesOut, a.BytesOut - b.BytesOut, a.Dropped - b.Dropped);
}

internal sealed record StreamData(DataCounters Publisher, DataCounters Subscriber)
{
    public static StreamData operator -(StreamData a, StreamData b) => new(a.Publisher - b.Publisher, a.Subscriber - b.Subscriber);
}
