namespace Sluice.Server.Health;

/// <summary>Configuration section "Drain": how long a draining node waits for its sessions, what it tells refused clients.</summary>
public sealed class DrainOptions
{
    public const string Section = "Drain";

    /// <summary>Seconds a draining node waits for its sessions to end before it exits anyway.</summary>
    public int DeadlineSeconds { get; set; } = 300;

    /// <summary>
    /// The Retry-After (RFC 9110 §10.2.3) on refused WHIP/WHEP requests: short, because behind a load balancer
    /// the retry reaches another node once /readyz has taken this one out of rotation.
    /// </summary>
    public int RetryAfterSeconds { get; set; } = 5;
}
