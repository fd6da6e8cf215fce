namespace Sluice.Rtc.Sdp;

/// <summary>An <c>a=</c> line this library does not model (RFC 8866 §5.13): <c>a=name</c> or <c>a=name:value</c>.</summary>
public sealed record SdpAttribute(string Name, string? Value = null)
{
    public override string ToString() => Value is null ? Name : Name + ":" + Value;
}
