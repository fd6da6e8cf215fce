namespace Sluice.Rtc.Sdp;

/// <summary>Direction of an <c>a=rid</c> line (RFC 8851 §10).</summary>
public enum RidDirection
{
    Send = 0,
    Recv = 1,
}
