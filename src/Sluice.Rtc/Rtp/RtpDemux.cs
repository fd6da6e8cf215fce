namespace Sluice.Rtc.Rtp;

/// <summary>Tells RTCP from RTP on a multiplexed port.</summary>
public static class RtpDemux
{
    /// <summary>
    /// RFC 5761 §4: with rtcp-mux, the second byte (marker + payload type, or the RTCP packet type)
    /// in 192..223 means RTCP; RTP payload types must avoid 64..95 so the ranges never collide.
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> datagram) => datagram.Length >= 2 && datagram[1] is >= 192 and <= 223;
}
