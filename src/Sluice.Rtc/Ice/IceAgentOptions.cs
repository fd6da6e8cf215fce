namespace Sluice.Rtc.Ice;

public sealed class IceAgentOptions
{
    /// <summary>No consent for this long marks the agent Disconnected (it recovers if consent returns).</summary>
    public TimeSpan DisconnectTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// No consent for this long, or no working pair this long after start, fails the agent. RFC 7675 §5.1
    /// sets 30 s as the consent lifetime.
    /// </summary>
    public TimeSpan ConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a controlling agent refreshes consent, randomized ±20% (RFC 7675 §5.1 asks for no more than every 5 s on average; Chromium pings stable pairs every 2.5 s, and so do we, well inside the disconnect timeout).</summary>
    public TimeSpan ConsentInterval { get; set; } = TimeSpan.FromSeconds(2.5);

    /// <summary>How often a controlling agent retransmits a connectivity check that has no answer yet.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
