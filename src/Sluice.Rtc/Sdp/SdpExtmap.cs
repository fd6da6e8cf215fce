namespace Sluice.Rtc.Sdp;

/// <summary><c>a=extmap:&lt;id&gt;[/&lt;direction&gt;] &lt;uri&gt; [&lt;attributes&gt;]</c> (RFC 8285 §8).</summary>
public sealed record SdpExtmap(int Id, MediaDirection? Direction, string Uri, string? Attributes = null)
{
    internal string Value
    {
        get
        {
            var id = Direction is { } d ? Id + "/" + SdpText.Direction(d) : Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Attributes is null ? id + " " + Uri : id + " " + Uri + " " + Attributes;
        }
    }
}
