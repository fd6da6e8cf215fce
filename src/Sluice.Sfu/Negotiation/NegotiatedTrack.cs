using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>
/// One accepted audio or video m= section of a session, resolved from its offer and our answer: codecs in
/// preference order, header extensions by URI, and the SSRCs the sender announced (a publisher's, or ours toward
/// a subscriber), with its simulcast encodings when it has several.
/// </summary>
public sealed class NegotiatedTrack
{
    public required MediaKind Kind { get; init; }

    public required string Mid { get; init; }

    public required IReadOnlyList<NegotiatedCodec> Codecs { get; init; }

    /// <summary>Header extension URI → id (RFC 8285).</summary>
    public required IReadOnlyDictionary<string, int> Extensions { get; init; }

    /// <summary>The media SSRC of a single-encoding track, when announced.</summary>
    public uint? Ssrc { get; init; }

    public uint? RtxSsrc { get; init; }

    /// <summary>
    /// The simulcast encodings a publisher announced, in its order: one per <c>a=rid</c> (RFC 8851) or per SSRC of
    /// an <c>a=ssrc-group:SIM</c>; empty for a track sent as one encoding.
    /// </summary>
    public IReadOnlyList<NegotiatedEncoding> Encodings { get; init; } = [];

    /// <summary>
    /// For one encoding of a section we send every encoding on (a node-to-node relay): which, by position; its
    /// subscription forwards that encoding only. Null for any other section.
    /// </summary>
    public int? SendsEncoding { get; init; }

    /// <summary>The sender's <c>a=msid</c> (RFC 8830): its stream and track ids, when given.</summary>
    public SdpMsid? Msid { get; init; }

    /// <summary>
    /// The transport-wide sequence number's extension id when this section negotiated both it and
    /// <c>transport-cc</c> feedback (what transport-wide congestion control needs), else 0.
    /// </summary>
    public int TransportWideCcId =>
        Extensions.TryGetValue(SfuCodecs.TransportWideCc, out var id) && Codecs.Any(c => c.TransportCc) ? id : 0;

    /// <summary>The session's transport-wide CC extension id: bundled sections share ids (RFC 8843 §9.1), the first that has it says which.</summary>
    public static int SessionTransportWideCcId(IReadOnlyList<NegotiatedTrack> tracks)
    {
        foreach (var track in tracks)
        {
            if (track.TransportWideCcId is not 0 and var id)
            {
                return id;
            }
        }

        return 0;
    }
}

/// <summary>One simulcast encoding as the offer announced it: its rid, and its SSRCs when signalled.</summary>
public sealed record NegotiatedEncoding(string? Rid, uint? Ssrc, uint? RtxSsrc);
