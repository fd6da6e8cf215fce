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
        foreach (var (reason, count) in Failures)
        {
            Row(sb, $"failed ×{count}", reason);
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, string value) => sb.Append(name.PadRight(24)).Append("| ").AppendLine(value);

    private static string Ms(TimeSpan? time) => time is { } t ? $"{t.TotalMilliseconds:0} ms" : "-";
}
