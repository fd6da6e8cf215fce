using System.Net;
using System.Security.Cryptography;
using Sluice.Media;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>
/// Answers offers for the node (JSEP, RFC 8829 §5.3): ICE-lite with host candidates on the shared media
/// port, DTLS passive, the codecs we forward, and the typed tracks the forwarding core works with.
/// </summary>
public sealed partial class Negotiator
{
    private readonly DtlsFingerprint _fingerprint;
    private readonly IReadOnlyList<IceCandidate> _candidates;

    /// <summary>The host candidates every answer carries (and an ICE restart's answer too).</summary>
    public IReadOnlyList<IceCandidate> Candidates => _candidates;

    public Negotiator(DtlsFingerprint fingerprint, IReadOnlyList<IPEndPoint> announced)
    {
        _fingerprint = fingerprint;
        var candidates = new List<IceCandidate>();
        for (var i = 0; i < announced.Count; i++)
        {
            // Host candidates, first announced address preferred (RFC 8445 §5.1.2.1: type 126, local preference).
            var priority = (126u << 24) | ((uint)(65535 - i) << 8) | 255u;
            candidates.Add(new IceCandidate((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, "udp", priority,
                announced[i].Address.ToString(), announced[i].Port, "host"));
        }

        _candidates = candidates;
    }

    /// <summary>The answer to a publisher's offer (sendonly or sendrecv sections become recvonly).</summary>
    public SfuError? AnswerPublisher(SessionDescription offer, IceParameters localIce, out SessionDescription? answer, out IReadOnlyList<NegotiatedTrack> tracks)
    {
        var options = Options(localIce, SfuCodecs.All, SfuCodecs.PublisherExtensions, _ => MediaDirection.RecvOnly, configure: null);
        return Answer(offer, options, ssrcs: null, out answer, out tracks);
    }

    /// <summary>
    /// The answer to a subscriber's offer: sendonly, with our SSRCs announced. Where the stream has a
    /// publisher, only its codecs are offered (in the subscriber's order); before one arrives, every codec we
    /// forward, so whichever the publisher brings can reach this subscriber.
    /// </summary>
    /// <param name="encodings">
    /// For a node-to-node relay, which carries every encoding so that each node chooses for its own viewers: how many
    /// encodings the n-th section of a kind sends (the track it will carry has them). Such a section announces one
    /// SSRC (and RTX SSRC) per encoding in an <c>a=ssrc-group:SIM</c>, lowest first, as a publisher signalling
    /// simulcast by SSRC would; null: one each.
    /// </param>
    public SfuError? AnswerSubscriber(SessionDescription offer, IceParameters localIce, string streamId,
        IReadOnlyList<SdpCodecCapability>? publisherCodecs, out SessionDescription? answer, out IReadOnlyList<NegotiatedTrack> tracks,
        Func<MediaKind, int, int>? encodings = null)
    {
        var ssrcs = new Dictionary<string, (uint Ssrc, uint Rtx)[]>();
        var kinds = new Dictionary<string, int>();
        var options = Options(localIce, publisherCodecs ?? SfuCodecs.All, SfuCodecs.SubscriberExtensions, _ => MediaDirection.SendOnly,
            (offered, section) =>
            {
                if (section.Direction is not (MediaDirection.SendOnly or MediaDirection.SendRecv))
                {
                    return;
                }

                var ordinal = kinds.TryGetValue(offered.Kind, out var seen) ? seen : 0;
                kinds[offered.Kind] = ordinal + 1;
                var kind = offered.Kind == "audio" ? MediaKind.Audio : MediaKind.Video;
                var count = Math.Max(1, encodings?.Invoke(kind, ordinal) ?? 1);
                var streams = new (uint Ssrc, uint Rtx)[count];
                for (var e = 0; e < count; e++)
                {
                    streams[e] = (RandomSsrc(), RandomSsrc());
                }

                ssrcs[section.Mid ?? offered.Mid ?? string.Empty] = streams;
                var hasRtx = section.Codecs.Exists(c => c.IsRtx);
                // a=msid track ids are unique in a description (RFC 8830): the first of a kind keeps the plain name.
                var trackId = ordinal == 0 ? $"{streamId}-{offered.Kind}" : $"{streamId}-{offered.Kind}-{section.Mid}";
                section.AddSendStreams([.. streams.Select(s => s.Ssrc)], "sluice", streamId, trackId, hasRtx ? [.. streams.Select(s => s.Rtx)] : null);
            });
        return Answer(offer, options, ssrcs, out answer, out tracks);
    }

    private SdpAnswerOptions Options(IceParameters localIce, IReadOnlyList<SdpCodecCapability> codecs, IReadOnlyList<string> extensions,
        Func<MediaDescription, MediaDirection> direction, Action<MediaDescription, MediaDescription>? configure) => new()
    {
        IceUfrag = localIce.UsernameFragment,
        IcePwd = localIce.Password,
        Fingerprint = _fingerprint.ToString(),
        IceLite = true,
        Setup = DtlsSetup.Passive,
        Codecs = codecs,
        Feedback = SfuCodecs.Feedback,
        HeaderExtensions = extensions,
        Direction = direction,
        Candidates = _candidates,
        EndOfCandidates = true,
        ConfigureMedia = configure,
        AcceptDataChannel = true,
        SctpPort = NegotiatedData.LocalPort,
        MaxMessageSize = NegotiatedData.LocalMaxMessageSize,
    };

    private static SfuError? Answer(SessionDescription offer, SdpAnswerOptions options, Dictionary<string, (uint Ssrc, uint Rtx)[]>? ssrcs,
        out SessionDescription? answer, out IReadOnlyList<NegotiatedTrack> tracks)
    {
        tracks = [];
        if (OfferIceAndDtlsError(offer) is { } missing)
        {
            answer = null;
            return new SfuError(SfuErrorKind.UnusableOffer, missing);
        }

        if (!SdpAnswerer.TryCreateAnswer(offer, options, out answer, out var error))
        {
            return new SfuError(SfuErrorKind.UnusableOffer, error!);
        }

        var resolved = new List<NegotiatedTrack>();
        for (var i = 0; i < answer!.Media.Count; i++)
        {
            var section = answer.Media[i];
            // Rejected, not media, or inactive (a publisher's recvonly section, a subscriber's sendonly one): no track.
            if (section.Port == 0 || section.Kind is not ("audio" or "video") || section.Direction == MediaDirection.Inactive)
            {
                continue;
            }

            var offered = offer.Media[i];
            var ours = ssrcs is not null && ssrcs.TryGetValue(section.Mid ?? string.Empty, out var announced) ? announced : [];
            var hasRtx = section.Codecs.Exists(c => c.IsRtx);
            var (ssrc, rtxSsrc) = ssrcs is null ? OfferedSsrcs(offered)
                : ours.Length > 0 ? (ours[0].Ssrc, hasRtx ? ours[0].Rtx : (uint?)null) : (null, null);
            resolved.Add(new NegotiatedTrack
            {
                Kind = section.Kind == "audio" ? MediaKind.Audio : MediaKind.Video,
                Mid = section.Mid ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Codecs = Codecs(section),
                Extensions = section.Extmaps.ToDictionary(e => e.Uri, e => e.Id),
                Ssrc = ssrc,
                RtxSsrc = rtxSsrc,
                Encodings = ssrcs is null ? OfferedEncodings(offered, section)
                    : ours.Length > 1 ? [.. ours.Select(o => new NegotiatedEncoding(null, o.Ssrc, hasRtx ? o.Rtx : null))] : [],
                Msid = offered.Msid,
            });
        }

        if (resolved.Count == 0 && NegotiatedData.From(offer, answer) is null)
        {
            answer = null;
            return new SfuError(SfuErrorKind.UnusableOffer, "the offer has no audio, video or data channel section we can use");
        }

        tracks = resolved;
        return null;
    }

    private static string? OfferIceAndDtlsError(SessionDescription offer)
    {
        var bundle = offer.BundleGroup;
        var sections = 0;
        foreach (var media in offer.Media)
        {
            if (media.Port == 0)
            {
                continue;
            }

            // One session is one ICE/DTLS transport: several live sections must share it (RFC 8843). An offer
            // without BUNDLE (GStreamer webrtcbin's default bundle-policy "none") would need one per section.
            if (++sections > 1 && (bundle is null || media.Mid is null || !bundle.Mids.Contains(media.Mid)))
            {
                return $"m={media.Kind} (mid {media.Mid ?? "none"}) is not in an a=group:BUNDLE: Sluice carries a session on one transport, "
                    + "so an offer with several media sections must bundle them (RFC 8843; bundle-policy max-bundle or balanced)";
            }

            if (!RemoteTransportParameters.TryRead(offer, media, out _, out var error))
            {
                return error;
            }
        }

        return null;
    }

    private static List<NegotiatedCodec> Codecs(MediaDescription section)
    {
        var codecs = new List<NegotiatedCodec>();
        foreach (var codec in section.Codecs)
        {
            if (codec.IsRtx || !MediaCodecs.TryParse(codec.Name, out var media))
            {
                continue;
            }

            int? rtx = null;
            foreach (var other in section.Codecs)
            {
                if (other.IsRtx && other.AssociatedPayloadType == codec.PayloadType)
                {
                    rtx = other.PayloadType;
                }
            }

            codecs.Add(new NegotiatedCodec(media, codec.PayloadType, codec.ClockRate, codec.Channels, codec.Fmtp, rtx,
                Nack: codec.Feedback.Contains("nack"),
                Pli: codec.Feedback.Contains("nack pli"),
                Fir: codec.Feedback.Contains("ccm fir"))
            {
                Remb = codec.Feedback.Contains("goog-remb"),
                TransportCc = codec.Feedback.Contains("transport-cc"),
            });
        }

        return codecs;
    }

    /// <summary>
    /// A publisher's simulcast encodings: one per rid we accepted (RFC 8853, in the offer's order), else one per
    /// SSRC of an <c>a=ssrc-group:SIM</c> with its RTX from the matching FID group; none for a single encoding.
    /// </summary>
    private static List<NegotiatedEncoding> OfferedEncodings(MediaDescription offered, MediaDescription answered)
    {
        var encodings = new List<NegotiatedEncoding>();
        foreach (var rid in answered.Rids)
        {
            encodings.Add(new NegotiatedEncoding(rid.Id, null, null));
        }

        if (encodings.Count > 0)
        {
            return encodings;
        }

        var simulcast = offered.SsrcGroups.Find(g => g.Semantics == "SIM" && g.Ssrcs.Count > 1);
        if (simulcast is not null)
        {
            foreach (var ssrc in simulcast.Ssrcs)
            {
                var fid = offered.SsrcGroups.Find(g => g.Semantics == SdpSsrcGroup.Fid && g.Ssrcs.Count == 2 && g.Ssrcs[0] == ssrc);
                encodings.Add(new NegotiatedEncoding(null, ssrc, fid?.Ssrcs[1]));
            }
        }

        return encodings;
    }

    /// <summary>The publisher's media SSRC and its RTX SSRC, from a=ssrc-group:FID or else the first a=ssrc (RFC 5576).</summary>
    private static (uint? Ssrc, uint? Rtx) OfferedSsrcs(MediaDescription offered)
    {
        foreach (var group in offered.SsrcGroups)
        {
            if (group.Semantics == SdpSsrcGroup.Fid && group.Ssrcs.Count == 2)
            {
                return (group.Ssrcs[0], group.Ssrcs[1]);
            }
        }

        return offered.Ssrcs.Count > 0 ? (offered.Ssrcs[0].Ssrc, null) : (null, null);
    }

    internal static uint RandomSsrc() => BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4)) | 1u;
}
