namespace Sluice.Rtc.Sdp;

/// <summary><c>a=ssrc:&lt;ssrc&gt; &lt;attribute&gt;[:&lt;value&gt;]</c> (RFC 5576 §4.1).</summary>
public sealed record SdpSsrc(uint Ssrc, string Attribute, string? Value = null)
{
    internal string LineValue => Value is null ? $"{Ssrc} {Attribute}" : $"{Ssrc} {Attribute}:{Value}";
}
