namespace Sluice.Rtc.Sdp;

/// <summary>Media direction attributes (RFC 8866 §6.7); absent means <see cref="SendRecv"/>.</summary>
public enum MediaDirection
{
    SendRecv = 0,
    SendOnly = 1,
    RecvOnly = 2,
    Inactive = 3,
}
