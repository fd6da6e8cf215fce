namespace Sluice.Rtc.Sdp;

/// <summary>One media section of an offer we create: kind, direction, codecs (with their payload types) and header extensions.</summary>
public sealed record SdpOfferMedia(string Kind, MediaDirection Direction, IReadOnlyList<RtpCodec> Codecs)
{
    public IReadOnlyList<SdpExtmap> Extmaps { get; init; } = [];

    /// <summary>The <c>a=mid</c>; the section's index when null.</summary>
    public string? Mid { get; init; }

    /// <summary>Called with the built section, for example to add send streams with <see cref="MediaDescription.AddSendStream"/>.</summary>
    public Action<MediaDescription>? Configure { get; init; }
}
