namespace Sluice.Rtc.Sdp;

/// <summary><c>a=ssrc-group:&lt;semantics&gt; &lt;ssrc&gt;...</c> (RFC 5576 §4.2); <c>FID</c> pairs a media SSRC with its RTX SSRC (RFC 4588 §8).</summary>
public sealed record SdpSsrcGroup(string Semantics, List<uint> Ssrcs)
{
    public const string Fid = "FID";

    internal string Value => Ssrcs.Count == 0 ? Semantics : Semantics + " " + string.Join(' ', Ssrcs);
}
