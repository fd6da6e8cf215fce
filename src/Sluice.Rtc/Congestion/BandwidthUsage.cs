namespace Sluice.Rtc.Congestion;

/// <summary>The delay-based detector's hypothesis about the path (draft-ietf-rmcat-gcc-02 §5.4).</summary>
public enum BandwidthUsage
{
    /// <summary>Queuing delay is stable.</summary>
    Normal = 0,

    /// <summary>Queuing delay is shrinking: a queue is draining.</summary>
    Underusing = 1,

    /// <summary>Queuing delay is growing: we send more than the path carries.</summary>
    Overusing = 2,
}
