namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Packet status symbols of transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1);
/// the value is also the size in bytes of the receive delta that follows.
/// </summary>
public enum TransportCcStatus : byte
{
    /// <summary>Not received; no delta.</summary>
    NotReceived = 0,

    /// <summary>Received with a 1-byte unsigned delta (0..63.75 ms).</summary>
    ReceivedSmallDelta = 1,

    /// <summary>Received with a 2-byte signed delta (negative or large).</summary>
    ReceivedLargeDelta = 2,
}
