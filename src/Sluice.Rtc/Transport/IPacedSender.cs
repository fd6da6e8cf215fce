namespace Sluice.Rtc.Transport;

/// <summary>Something with packets waiting to leave at a paced rate, served by its mux's receive loop (<see cref="UdpMux.SchedulePacing"/>).</summary>
public interface IPacedSender
{
    /// <summary>Sends what has fallen due; returns false once nothing waits (the mux then stops calling).</summary>
    bool Pace();

    /// <summary>Whether the mux serves it now: the mux's own bookkeeping, so scheduling twice serves it once.</summary>
    bool PacingScheduled { get; set; }
}
