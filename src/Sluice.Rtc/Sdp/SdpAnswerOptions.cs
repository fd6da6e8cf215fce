namespace Sluice.Rtc.Sdp;

/// <summary>What we support and our transport parameters, for <see cref="SdpAnswerer"/>.</summary>
public sealed class SdpAnswerOptions
{
    public required string IceUfrag { get; init; }

    public required string IcePwd { get; init; }

    /// <summary>Our certificate fingerprint, <c>sha-256 AB:CD:...</c> (RFC 8122 §5).</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Writes <c>a=ice-lite</c> (RFC 8839 §5.3): the server is ICE-lite.</summary>
    public bool IceLite { get; init; }

    /// <summary>Our DTLS role when the offer says <c>actpass</c>: passive for the server, active for a client (RFC 8842 §5.3).</summary>
    public DtlsSetup Setup { get; init; } = DtlsSetup.Passive;

    /// <summary>Codecs we accept, matched in the offer's order with the offer's payload types (JSEP §5.3.1).</summary>
    public IReadOnlyList<SdpCodecCapability> Codecs { get; init; } = [];

    /// <summary>Keep <c>rtx</c> formats whose <c>apt</c> points to a kept codec (RFC 4588 §8.6).</summary>
    public bool Rtx { get; init; } = true;

    /// <summary>Feedback types we support (RFC 4585 §4.2); the answer keeps the offered ones in this set.</summary>
    public IReadOnlyList<string> Feedback { get; init; } = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"];

    /// <summary>Header extension URIs we support; the answer keeps the offer's ids (RFC 8285 §7).</summary>
    public IReadOnlyList<string> HeaderExtensions { get; init; } = [];

    /// <summary>
    /// Our wanted direction for an offered m= section; default is the mirror of the offer (sendonly → recvonly,
    /// recvonly → sendonly). The result is then narrowed to what the offer allows (RFC 3264 §6.1).
    /// </summary>
    public Func<MediaDescription, MediaDirection>? Direction { get; init; }

    /// <summary>Candidates written in every accepted m= section; the first is also the default address (RFC 8839 §4.2.1.1).</summary>
    public IReadOnlyList<IceCandidate> Candidates { get; init; } = [];

    /// <summary>Writes <c>a=end-of-candidates</c> (RFC 8840 §8.2): the candidates above are all there is.</summary>
    public bool EndOfCandidates { get; init; }

    /// <summary>Accept an <c>m=application ... UDP/DTLS/SCTP webrtc-datachannel</c> section (RFC 8841).</summary>
    public bool AcceptDataChannel { get; init; }

    public int SctpPort { get; init; } = 5000;

    public int MaxMessageSize { get; init; } = 262144;

    /// <summary>Called for each accepted media section (offered, answer), for example to add <c>a=msid</c> and <c>a=ssrc</c> lines with <see cref="MediaDescription.AddSendStream"/>.</summary>
    public Action<MediaDescription, MediaDescription>? ConfigureMedia { get; init; }

    /// <summary>The answer's <c>o=</c> line; a fresh one when null.</summary>
    public SdpOrigin? Origin { get; init; }
}
