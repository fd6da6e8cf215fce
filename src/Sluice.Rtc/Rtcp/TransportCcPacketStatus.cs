namespace Sluice.Rtc.Rtcp;

/// <summary>One packet of a transport-wide CC feedback, as enumerated by <see cref="TransportCcPacketEnumerator"/>.</summary>
public readonly struct TransportCcPacketStatus
{
    /// <summary>Creates a status.</summary>
    public TransportCcPacketStatus(ushort sequenceNumber, TransportCcStatus status, int deltaTicks, long receiveTimeMicroseconds)
    {
        SequenceNumber = sequenceNumber;
        Status = status;
        DeltaTicks = deltaTicks;
        ReceiveTimeMicroseconds = receiveTimeMicroseconds;
    }

    /// <summary>The transport-wide sequence number.</summary>
    public ushort SequenceNumber { get; }

    /// <summary>The status symbol.</summary>
    public TransportCcStatus Status { get; }

    /// <summary>Whether the packet was received.</summary>
    public bool IsReceived => Status != TransportCcStatus.NotReceived;

    /// <summary>Receive delta from the previous received packet (or the reference time), in 250 µs ticks; 0 if not received.</summary>
    public int DeltaTicks { get; }

    /// <summary>The delta in microseconds.</summary>
    public long DeltaMicroseconds => DeltaTicks * (long)TransportCcFeedback.TickMicroseconds;

    /// <summary>
    /// Receive time on the feedback sender's clock: reference time × 64 ms plus the deltas so far, in microseconds.
    /// For a packet not received, the time of the last received one.
    /// </summary>
    public long ReceiveTimeMicroseconds { get; }
}
