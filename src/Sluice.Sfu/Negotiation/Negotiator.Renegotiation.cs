using Sluice.Media;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Sfu.Forwarding;

namespace Sluice.Sfu.Negotiation;

/// <summary>
/// Renegotiation of a live session (RFC 8829 §5.2.2 and §5.3.2): the transport stays (same ICE credentials, same
/// certificates, same DTLS roles), m-sections keep their place and mid, new ones are appended, and a section
/// that is no longer used becomes inactive rather than disappearing.
/// </summary>
public sealed partial class Negotiator
{
    /// <summary>
    /// The node's offer to a subscriber (a subsequent offer): its current sections, those in <paramref name="stop"/>
    /// made inactive, and one new sendonly section per track in <paramref name="add"/>, with new SSRCs. Returns
    /// the offer and, for each new section, the track it is for.
    /// </summary>
    public (SessionDescription Offer, IReadOnlyDictionary<string, TrackId> Added) OfferSubscriber(SessionDescription current,
        IceParameters localIce, Func<PublishedTrack, string> streamIdOf, IReadOnlyList<PublishedTrack> add, IReadOnlySet<string> stop)
    {
        // A deep copy: the current description stays the session's last good state until an answer is accepted.
        var offer = SessionDescription.Parse(current.ToString());
        offer.Origin = offer.Origin is { } origin ? origin with { SessionVersion = origin.SessionVersion + 1 } : SdpOrigin.CreateNew();
        foreach (var section in offer.Media)
        {
            if (section.Port == 0)
            {
                continue;
            }

            // RFC 8842 §5.5: a subsequent offer may say actpass; the answerer keeps its role (checked on the answer).
            section.Setup = DtlsSetup.ActPass;
            if (section.Mid is { } mid && stop.Contains(mid))
            {
                section.Direction = MediaDirection.Inactive;
                section.Ssrcs.Clear();
                section.SsrcGroups.Clear();
                section.Msids.Clear();
            }
        }

        var added = new Dictionary<string, TrackId>();
        foreach (var track in add)
        {
            var section = NewSendSection(offer, track, localIce, streamIdOf(track));
            offer.Media.Add(section);
            added[section.Mid!] = track.Id;
        }

        offer.Groups.RemoveAll(g => g.Semantics == SdpGroup.Bundle);
        offer.Groups.Add(new SdpGroup(SdpGroup.Bundle, [.. offer.Media.Where(m => m.Port != 0).Select(m => m.Mid!)]));
        return (offer, added);
    }

    /// <summary>
    /// Checks a subscriber's answer to <see cref="OfferSubscriber"/> and resolves its tracks. Refused (and nothing
    /// changes) when it is malformed, answers other mids than offered, restarts ICE, changes the certificate or the
    /// DTLS role, or picks codecs or extension ids that were not offered.
    /// </summary>
    public static SfuError? AcceptSubscriberAnswer(SessionDescription offer, string answerText, IceParameters remoteIce,
        DtlsFingerprint remoteFingerprint, bool nodeIsDtlsServer, out SessionDescription? answer, out IReadOnlyList<NegotiatedTrack> tracks)
    {
        tracks = [];
        if (!SessionDescription.TryParse(answerText, out answer, out var parseError))
        {
            return new SfuError(SfuErrorKind.InvalidAnswer, "malformed SDP answer: " + parseError);
        }

        if (answer!.Media.Count != offer.Media.Count)
        {
            return Invalid($"the answer has {answer.Media.Count} m-sections for the offer's {offer.Media.Count} (RFC 3264 §6: one per offered section, in order)");
        }

        var resolved = new List<NegotiatedTrack>();
        for (var i = 0; i < offer.Media.Count; i++)
        {
            var offered = offer.Media[i];
            var answered = answer.Media[i];
            if (answered.Mid != offered.Mid)
            {
                return Invalid($"m-section {i} of the answer has mid '{answered.Mid ?? "(none)"}', but the offer's section {i} is mid '{offered.Mid}'");
            }

            if (offered.Port == 0 || answered.Port == 0)
            {
                continue;
            }

            if (SectionTransportError(answer, answered, remoteIce, remoteFingerprint, nodeIsDtlsServer ? DtlsSetup.Active : DtlsSetup.Passive) is { } transport)
            {
                return Invalid($"mid {answered.Mid}: {transport}");
            }

            if (offered.Kind is not ("audio" or "video"))
            {
                continue;
            }

            foreach (var codec in answered.Codecs)
            {
                if (offered.FindCodec(codec.PayloadType) is not { } mine || !mine.Name.Equals(codec.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return Invalid($"mid {answered.Mid}: payload type {codec.PayloadType} ({codec.Name}) was not offered");
                }
            }

            foreach (var extension in answered.Extmaps)
            {
                if (!offered.Extmaps.Exists(e => e.Id == extension.Id && e.Uri == extension.Uri))
                {
                    return Invalid($"mid {answered.Mid}: header extension {extension.Id} {extension.Uri} was not offered");
                }
            }

            var direction = answered.Direction;
            if (direction is MediaDirection.SendOnly or MediaDirection.SendRecv && offered.Direction == MediaDirection.SendOnly)
            {
                return Invalid($"mid {answered.Mid}: answered {direction} to a sendonly section (recvonly or inactive expected)");
            }

            if (offered.Direction == MediaDirection.Inactive || direction == MediaDirection.Inactive || answered.Codecs.Count == 0)
            {
                continue;
            }

            var (ssrc, rtxSsrc) = OfferedSsrcs(offered);
            resolved.Add(new NegotiatedTrack
            {
                Kind = offered.Kind == "audio" ? MediaKind.Audio : MediaKind.Video,
                Mid = offered.Mid!,
                Codecs = Codecs(answered),
                Extensions = answered.Extmaps.ToDictionary(e => e.Uri, e => e.Id),
                Ssrc = ssrc,
                RtxSsrc = answered.Codecs.Exists(c => c.IsRtx) ? rtxSsrc : null,
                Msid = offered.Msid,
            });
        }

        tracks = resolved;
        return null;

        static SfuError Invalid(string message) => new(SfuErrorKind.InvalidAnswer, "renegotiation answer refused: " + message);
    }

    /// <summary>
    /// Checks a peer's subsequent offer keeps the session's transport (RFC 8829 §5.2.2): same ICE credentials
    /// (an ICE restart goes through PATCH with a trickle-ice-sdpfrag), same certificate, and every section that
    /// exists keeps its place and mid.
    /// </summary>
    public static SfuError? CheckSubsequentOffer(SessionDescription current, SessionDescription offer, IceParameters remoteIce,
        DtlsFingerprint remoteFingerprint)
    {
        if (offer.Media.Count < current.Media.Count)
        {
            return Unusable($"the offer has {offer.Media.Count} m-sections, fewer than the session's {current.Media.Count}: sections are never removed (RFC 8829 §5.2.2), set them inactive");
        }

        for (var i = 0; i < offer.Media.Count; i++)
        {
            var media = offer.Media[i];
            if (i < current.Media.Count && (media.Mid != current.Media[i].Mid || media.Kind != current.Media[i].Kind))
            {
                return Unusable($"m-section {i} is {media.Kind} mid '{media.Mid}', but the session's section {i} is {current.Media[i].Kind} mid '{current.Media[i].Mid}'");
            }

            if (media.Port == 0)
            {
                continue;
            }

            // An offer may say actpass (RFC 8842 §5.5): our answer keeps the roles, so only ICE and certificate are checked.
            if (SectionTransportError(offer, media, remoteIce, remoteFingerprint, expectedSetup: null) is { } transport)
            {
                return Unusable($"mid {media.Mid}: {transport}");
            }
        }

        return null;

        static SfuError Unusable(string message) => new(SfuErrorKind.UnusableOffer, "re-offer refused: " + message);
    }

    /// <summary>
    /// Why a section of a subsequent description does not keep the live transport: other ICE credentials (missing
    /// ones read as changed), another certificate, or, when <paramref name="expectedSetup"/> is given, another DTLS role.
    /// </summary>
    private static string? SectionTransportError(SessionDescription description, MediaDescription section, IceParameters remoteIce,
        DtlsFingerprint remoteFingerprint, DtlsSetup? expectedSetup)
    {
        RemoteTransportParameters.TryRead(description, section, out var remote, out _);
        if (remote is null || remote.Ice.UsernameFragment != remoteIce.UsernameFragment || remote.Ice.Password != remoteIce.Password)
        {
            return "the ICE credentials changed (an ICE restart is a PATCH with application/trickle-ice-sdpfrag, RFC 9725 §4.4.2)";
        }

        if (!remote.Fingerprint.Equals(remoteFingerprint))
        {
            return "the certificate fingerprint changed; a session keeps its DTLS association";
        }

        if (expectedSetup is { } expected && remote.Setup is { } setup && setup != expected)
        {
            return $"a=setup:{setup.ToString().ToLowerInvariant()} would swap the DTLS roles of a live association";
        }

        return null;
    }

    /// <summary>A new sendonly section for <paramref name="track"/>, consistent with the sections already bundled.</summary>
    private MediaDescription NewSendSection(SessionDescription offer, PublishedTrack track, IceParameters localIce, string streamId)
    {
        var kind = track.Kind == MediaKind.Audio ? "audio" : "video";
        var section = new MediaDescription(kind, 9, MediaDescription.RtpProtocol)
        {
            Mid = NextMid(offer),
            Direction = MediaDirection.SendOnly,
            RtcpMux = true,
            RtcpRsize = true,
            IceUfrag = localIce.UsernameFragment,
            IcePwd = localIce.Password,
            Setup = DtlsSetup.ActPass,
        };
        section.Fingerprints.Add(_fingerprint.ToString());
        SdpAnswerer.SetAddress(section, _candidates);
        section.Candidates.AddRange(_candidates);
        section.EndOfCandidates = true;

        // RFC 8843 §9.1: a payload type means one codec across a bundle; reuse the subscriber's numbering where it has one.
        var used = offer.Media.Where(m => m.Port != 0).SelectMany(m => m.Codecs).ToList();
        foreach (var codec in track.Codecs)
        {
            var rtp = new RtpCodec(codec.PayloadType, MediaCodecs.SdpName(codec.Codec), codec.ClockRate, codec.Channels, codec.Fmtp);
            PickPayloadType(rtp, used, section);
            rtp.Feedback.AddRange(track.Kind == MediaKind.Video ? SfuCodecs.Feedback : ["transport-cc"]);

            section.AddCodec(rtp);
            if (codec.RtxPayloadType is not null)
            {
                var rtx = new RtpCodec(codec.RtxPayloadType.Value, "rtx", codec.ClockRate, null, null);
                Claim(rtx, used, section);
                rtx.Fmtp = "apt=" + rtp.PayloadType.ToString(System.Globalization.CultureInfo.InvariantCulture);
                section.AddCodec(rtx);
            }
        }

        foreach (var uri in SfuCodecs.SubscriberExtensions)
        {
            // Forwarded extensions where the publisher sends them; the transport-wide sequence number is ours, always.
            if (track.Negotiated.Extensions.ContainsKey(uri) || uri == SfuCodecs.TransportWideCc)
            {
                section.Extmaps.Add(new SdpExtmap(ExtensionId(offer, section, uri), null, uri));
            }
        }

        var hasRtx = section.Codecs.Exists(c => c.IsRtx);
        section.AddSendStream(RandomSsrc(), "sluice", streamId, track.Id.Value, hasRtx ? RandomSsrc() : null);
        return section;
    }

    private static string NextMid(SessionDescription offer)
    {
        for (var n = offer.Media.Count; ; n++)
        {
            var mid = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!offer.Media.Exists(m => m.Mid == mid))
            {
                return mid;
            }
        }
    }

    /// <summary>The subscriber's payload type for the same codec if it has one, else the publisher's if free, else a free one.</summary>
    private static void PickPayloadType(RtpCodec codec, List<RtpCodec> used, MediaDescription section)
    {
        var capability = new SdpCodecCapability(section.Kind, codec.Name, codec.ClockRate, codec.Channels, codec.Fmtp);
        foreach (var existing in used)
        {
            if (!existing.IsRtx && capability.Matches(section.Kind, existing))
            {
                codec.PayloadType = existing.PayloadType;
                return;
            }
        }

        Claim(codec, used, section);
    }

    /// <summary>Keeps the codec's payload type if no other codec of the bundle uses it, else takes the first free dynamic one (RFC 3551 §6: 96–127).</summary>
    private static void Claim(RtpCodec codec, List<RtpCodec> used, MediaDescription section)
    {
        bool Taken(int pt) => used.Exists(c => c.PayloadType == pt) || section.Codecs.Exists(c => c.PayloadType == pt);
        if (Taken(codec.PayloadType))
        {
            codec.PayloadType = Enumerable.Range(96, 32).First(pt => !Taken(pt));
        }

        used.Add(codec);
    }

    private static int ExtensionId(SessionDescription offer, MediaDescription section, string uri)
    {
        var all = offer.Media.Where(m => m.Port != 0).SelectMany(m => m.Extmaps).Concat(section.Extmaps).ToList();
        if (all.Find(e => e.Uri == uri) is { } existing)
        {
            return existing.Id;
        }

        // One-byte header ids are 1–14 (RFC 8285 §4.2).
        return Enumerable.Range(1, 14).First(id => !all.Exists(e => e.Id == id));
    }
}
