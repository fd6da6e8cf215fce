namespace Sluice.Rtc.Sdp;

/// <summary><c>a=rid:&lt;id&gt; send|recv [&lt;restrictions&gt;]</c> (RFC 8851 §10); restrictions kept as written (for example <c>pt=96;max-width=1280</c>).</summary>
public sealed record SdpRid(string Id, RidDirection Direction, string? Restrictions = null)
{
    internal string Value
    {
        get
        {
            var head = Id + (Direction == RidDirection.Send ? " send" : " recv");
            return Restrictions is null ? head : head + " " + Restrictions;
        }
    }
}
