namespace Sluice.Rtc.Dtls;

/// <summary>Which side of the DTLS handshake (RFC 6347) this endpoint plays; in WebRTC it follows the SDP a=setup attribute (RFC 4145 §4, RFC 5763 §5).</summary>
public enum DtlsRole
{
    Client = 0,
    Server = 1,
}
