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

/// <summary>Why a transport failed.</summary>
public enum TransportFailure
{
    None,

    /// <summary>No connectivity check succeeded before the consent timeout.</summary>
    IceNoConnectivity,

    /// <summary>The selected pair went silent: no consent check and no authenticated media (RFC 7675).</summary>
    IceConsentExpired,

    /// <summary>The DTLS handshake failed, or gave no SRTP keys.</summary>
    Dtls,
}
