namespace Sluice.Rtc.Ice;

/// <summary>Connectivity of one ICE agent, as RTCIceTransportState names it.</summary>
public enum IceState
{
    New,
    Checking,
    Connected,
    /// <summary>Consent has not been refreshed for the disconnect timeout (RFC 7675 §5.1); it may come back.</summary>
    Disconnected,
    /// <summary>No pair ever worked, or consent stayed lost for the failure timeout.</summary>
    Failed,
    Closed,
}
