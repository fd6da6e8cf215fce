namespace Sluice.Cli.Load;

/// <summary>How many WHEP subscribers to run against one stream, for how long.</summary>
internal sealed record LoadTesterOptions(Uri Endpoint, int Subscribers, TimeSpan Duration)
{
    public string? Token { get; init; }

    /// <summary>Subscribers started together; the next batch starts when this one has connected or failed.</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>Reordering tolerated before a missing sequence number counts as lost (no NACKs in a load test).</summary>
    public TimeSpan ReorderWindow { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
