namespace Sluice.Rtc.Sdp;

/// <summary>Our transport parameters and media for <see cref="SdpOfferer"/>.</summary>
public sealed class SdpOfferOptions
{
    public required string IceUfrag { get; init; }

    public required string IcePwd { get; init; }

    /// <summary>Our certificate fingerprint, <c>sha-256 AB:CD:...</c> (RFC 8122 §5).</summary>
    public required string Fingerprint { get; init; }

    public IReadOnlyList<SdpOfferMedia> Media { get; init; } = [];

    /// <summary>Adds an <c>m=application</c> section for data channels (RFC 8841) after the media.</summary>
    public bool DataChannel { get; init; }

    public int SctpPort { get; init; } = 5000;

    public int MaxMessageSize { get; init; } = 262144;

    public IReadOnlyList<IceCandidate> Candidates { get; init; } = [];

    public bool EndOfCandidates { get; init; }

    public bool ExtmapAllowMixed { get; init; } = true;

    public SdpOrigin? Origin { get; init; }
}
