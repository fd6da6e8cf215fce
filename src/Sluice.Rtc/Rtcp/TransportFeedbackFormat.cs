namespace Sluice.Rtc.Rtcp;

/// <summary>FMT values of transport layer feedback (<see cref="RtcpPacketType.TransportFeedback"/>).</summary>
public enum TransportFeedbackFormat : byte
{
    /// <summary>Generic NACK, RFC 4585 §6.2.1.</summary>
    GenericNack = 1,

    /// <summary>Transport-wide congestion control feedback, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.</summary>
    TransportWideCc = 15,
}
