namespace Sluice.Server.Cluster;

/// <summary>The <c>Cluster</c> section: nodes find each other through Redis. Without <see cref="Redis"/> a node runs alone.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>A StackExchange.Redis connection string (<c>127.0.0.1:6379</c>); empty: a single node, no Redis.</summary>
    public string? Redis { get; set; }

    /// <summary>How other nodes and the manager reach this node (<c>http://10.0.0.5:7777</c>); default: the first announced address and the HTTP port.</summary>
    public string? NodeUrl { get; set; }

    /// <summary>This node's id in the registry; default: a new random one per start.</summary>
    public string? NodeId { get; set; }

    /// <summary>Seconds between heartbeats; an entry not renewed for 3 of them expires.</summary>
    public double HeartbeatSeconds { get; set; } = 1;

    /// <summary>The bearer token this node sends to the others (relays); default: derived from <c>Auth</c> (see <c>ClusterToken</c>).</summary>
    public string? Token { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}
