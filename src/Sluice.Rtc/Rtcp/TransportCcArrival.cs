namespace Sluice.Rtc.Rtcp;

/// <summary>Input of the transport-wide CC feedback writer: a sequence number and its arrival time, or not received.</summary>
/// <param name="SequenceNumber">The transport-wide sequence number (RTP header extension).</param>
/// <param name="ArrivalTimeMicroseconds">Local arrival time in microseconds (any epoch, non-negative); negative means not received.</param>
public readonly record struct TransportCcArrival(ushort SequenceNumber, long ArrivalTimeMicroseconds)
{
    /// <summary>Whether the packet arrived.</summary>
    public bool IsReceived => ArrivalTimeMicroseconds >= 0;

    /// <summary>An entry for a packet that did not arrive.</summary>
    public static TransportCcArrival NotReceived(ushort sequenceNumber) => new(sequenceNumber, -1);
}
