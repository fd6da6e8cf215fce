namespace Sluice.Rtc.Sdp;

/// <summary>The <c>a=setup</c> role (RFC 4145 §4, as used for DTLS by RFC 8842 §5).</summary>
public enum DtlsSetup
{
    Active = 0,
    Passive = 1,
    ActPass = 2,
    HoldConn = 3,
}
