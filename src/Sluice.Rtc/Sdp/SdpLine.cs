namespace Sluice.Rtc.Sdp;

/// <summary>A non-attribute line this library does not model (for example <c>b=</c>, <c>i=</c>, <c>k=</c>; RFC 8866 §5).</summary>
public sealed record SdpLine(char Type, string Value)
{
    public override string ToString() => Type + "=" + Value;
}
