namespace Sluice.Sfu.Negotiation;

/// <summary>
/// One accepted m= section of a session, resolved from its offer and our answer: codecs in preference
/// order, header extensions by URI, and the SSRCs the sender announced (a publisher's, or ours toward a
/// subscriber).
/// </summary>
public sealed class NegotiatedTrack
{
    public required MediaKind Kind { get; init; }

    public required string Mid { get; init; }

    public required IReadOnlyList<NegotiatedCodec> Codecs { get; init; }

    /// <summary>Header extension URI → id (RFC 8285).</summary>
    public required IReadOnlyDictionary<string, int> Extensions { get; init; }

    public uint? Ssrc { get; init; }

    public uint? RtxSsrc { get; init; }

}
