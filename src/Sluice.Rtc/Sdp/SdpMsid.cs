namespace Sluice.Rtc.Sdp;

/// <summary><c>a=msid:&lt;stream id&gt; [&lt;track id&gt;]</c> (RFC 8830 §2).</summary>
public sealed record SdpMsid(string StreamId, string? TrackId = null)
{
    internal string Value => TrackId is null ? StreamId : StreamId + " " + TrackId;
}
