namespace Sluice.Rtc.Transport;

/// <summary>The combined ICE + DTLS state of one transport, as RTCPeerConnectionState names it.</summary>
public enum TransportState
{
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}
