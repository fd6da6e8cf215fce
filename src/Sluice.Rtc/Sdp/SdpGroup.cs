namespace Sluice.Rtc.Sdp;

/// <summary><c>a=group:&lt;semantics&gt; &lt;mid&gt;...</c> (RFC 5888 §5; BUNDLE per RFC 8843 §7.1).</summary>
public sealed record SdpGroup(string Semantics, List<string> Mids)
{
    public const string Bundle = "BUNDLE";

    internal string Value => Mids.Count == 0 ? Semantics : Semantics + " " + string.Join(' ', Mids);
}
