using System.Text;

namespace Sluice.Cli.Load;

/// <summary>The outcome of a load test: connections, packets, loss and first-packet times across subscribers.</summary>
internal sealed record LoadReport(
    int Requested,
    int Connected,
    long Packets,
    long Lost,
    TimeSpan? FirstPacketP50,
    TimeSpan? FirstPacketP95,
    TimeSpan? FirstPacketMax,
    int NeverReceived,
    IReadOnlyDictionary<string, int> Failures)
{
    /// <summary>Packet age on arrival (from the publisher's clock, via sender reports), ms; null without sender reports.</summary>
    public double? LatencyP50 { get; init; }

    /// <inheritdoc cref="LatencyP50"/>
    public double? LatencyP99 { get; init; }

    /// <summary>Sessions made again after one failed.</summary>
    public int Reconnects { get; init; }

    public double LossPercent => Packets + Lost == 0 ? 0 : 100.0 * Lost / (Packets + Lost);

    /// <summary>Nearest-rank percentile of <paramref name="sorted"/> (ascending); null when empty.</summary>
    public static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double percent)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public string ToTable()
    {
        var sb = new StringBuilder();
        Row(sb, "subscribers connected", $"{Connected} / {Requested}");
        Row(sb, "receiving media", $"{Connected - NeverReceived}");
        Row(sb, "packets received", Packets.ToString());
        Row(sb, "packets lost", $"{Lost} ({LossPercent:0.###} %)");
        Row(sb, "first packet p50", Ms(FirstPacketP50));
        Row(sb, "first packet p95", Ms(FirstPacketP95));
        Row(sb, "first packet max", Ms(FirstPacketMax));
        Row(sb, "latency p50", LatencyP50 is { } p50 ? $"{p50:0.00} ms" : "-");
        Row(sb, "latency p99", LatencyP99 is { } p99 ? $"{p99:0.00} ms" : "-");
        Row(sb, "reconnects", Reconnects.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (reason, count) in Failures)
        {
            Row(sb, $"failed ×{count}", reason);
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, string value) => sb.Append(name.PadRight(24)).Append("| ").AppendLine(value);

    private static string Ms(TimeSpan? time) => time is { } t ? $"{t.TotalMilliseconds:0} ms" : "-";
}
