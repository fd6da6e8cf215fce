namespace Sluice.Rtc.Sdp;

/// <summary>
/// Builds an answer to a WebRTC offer (JSEP, RFC 8829 §5.3.1): per m= section the supported codecs in the
/// offer's order with the offer's payload types, the supported header extensions with the offer's ids,
/// a direction compatible with the offer, our ICE and DTLS parameters, and one BUNDLE group (RFC 8843 §7.3)
/// of the accepted sections. Unsupported sections are rejected with port 0 and left out of the group; like
/// the accepted ones they carry a=mid, our ICE credentials, fingerprint and a=setup, which some peers
/// (aiortc) require of every m= section of an answer.
/// </summary>
public static class SdpAnswerer
{
    /// <summary>Creates the answer; false with a message naming what was offered when no m= section is usable.</summary>
    public static bool TryCreateAnswer(SessionDescription offer, SdpAnswerOptions options, out SessionDescription? answer, out string? error)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(options);
        var result = new SessionDescription
        {
            Origin = options.Origin ?? SdpOrigin.CreateNew(),
            MsidSemantic = "WMS",
            ExtmapAllowMixed = offer.ExtmapAllowMixed,
            IceLite = options.IceLite,
        };

        var reasons = new List<string>();
        var accepted = new HashSet<string>();
        foreach (var offered in offer.Media)
        {
            var section = AnswerMedia(offer, offered, options, out var reason);
            if (section is null)
            {
                reasons.Add($"{offered.Kind} (mid {offered.Mid ?? "none"}): {reason}");
                result.Media.Add(Rejected(offer, offered, options));
                continue;
            }

            result.Media.Add(section);
            if (offered.Mid is { } mid)
            {
                accepted.Add(mid);
            }
        }

        if (result.Media.Count == reasons.Count)
        {
            answer = null;
            error = offer.Media.Count == 0 ? "the offer has no m= section" : "no usable m= section: " + string.Join("; ", reasons);
            return false;
        }

        // A rejected m= section is not placed in the answer's BUNDLE group (RFC 8843 §7.3); the rest keep the offer's order.
        if (offer.BundleGroup is { } bundle)
        {
            var mids = new List<string>();
            foreach (var mid in bundle.Mids)
            {
                if (accepted.Contains(mid))
                {
                    mids.Add(mid);
                }
            }

            if (mids.Count > 0)
            {
                result.Groups.Add(new SdpGroup(SdpGroup.Bundle, mids));
            }
        }

        answer = result;
        error = null;
        return true;
    }

    private static MediaDescription? AnswerMedia(SessionDescription offer, MediaDescription offered, SdpAnswerOptions options, out string reason)
    {
        reason = string.Empty;
        if (!offered.IsLive)
        {
            reason = "rejected by the offerer (port 0)";
            return null;
        }

        if ((offered.IceUfrag ?? offer.IceUfrag) is null || (offered.IcePwd ?? offer.IcePwd) is null)
        {
            reason = "no a=ice-ufrag/a=ice-pwd";
            return null;
        }

        if (offered.Fingerprints.Count == 0 && offer.Fingerprints.Count == 0)
        {
            reason = "no a=fingerprint";
            return null;
        }

        var isData = offered.Kind == "application";
        MediaDescription? answer;
        if (isData)
        {
            answer = AnswerData(offered, options, out reason);
        }
        else if (!offered.Protocol.Contains("RTP/SAVPF", StringComparison.OrdinalIgnoreCase))
        {
            reason = $"protocol {offered.Protocol} is not UDP/TLS/RTP/SAVPF";
            return null;
        }
        else if (!offered.RtcpMux)
        {
            reason = "no a=rtcp-mux (RFC 8858: RTP and RTCP must share the port)";
            return null;
        }
        else
        {
            answer = AnswerRtp(offered, options, out reason);
        }

        if (answer is null)
        {
            return null;
        }

        SetTransport(answer, offer, offered, options);
        SetAddress(answer, options.Candidates);
        answer.Candidates.AddRange(options.Candidates);
        answer.EndOfCandidates = options.EndOfCandidates;
        if (!isData)
        {
            options.ConfigureMedia?.Invoke(offered, answer);
        }

        return answer;
    }

    /// <summary>
    /// What every m= section of the answer carries, accepted or rejected: the offer's mid, our ICE credentials
    /// and fingerprint, and our DTLS role (RFC 8829 §5.3.1; RFC 8842 §5.3 for a=setup).
    /// </summary>
    private static void SetTransport(MediaDescription answer, SessionDescription offer, MediaDescription offered, SdpAnswerOptions options)
    {
        answer.Mid = offered.Mid;
        answer.IceUfrag = options.IceUfrag;
        answer.IcePwd = options.IcePwd;
        answer.Fingerprints.Add(options.Fingerprint);
        answer.Setup = (offered.Setup ?? offer.Setup) switch
        {
            DtlsSetup.Active => DtlsSetup.Passive,
            DtlsSetup.Passive => DtlsSetup.Active,
            _ => options.Setup == DtlsSetup.Active ? DtlsSetup.Active : DtlsSetup.Passive,
        };
    }

    private static MediaDescription? AnswerData(MediaDescription offered, SdpAnswerOptions options, out string reason)
    {
        if (!options.AcceptDataChannel)
        {
            reason = "data channels are not accepted";
            return null;
        }

        var legacy = offered.LegacySctpPort is not null;
        if (!offered.Protocol.EndsWith("DTLS/SCTP", StringComparison.OrdinalIgnoreCase) || (!legacy && !offered.Formats.Contains(MediaDescription.DataChannelFormat)))
        {
            reason = $"'{offered.Protocol} {string.Join(' ', offered.Formats)}' is not UDP/DTLS/SCTP webrtc-datachannel";
            return null;
        }

        reason = string.Empty;
        var answer = new MediaDescription("application", 9, offered.Protocol) { MaxMessageSize = options.MaxMessageSize };
        if (legacy)
        {
            // The pre-RFC form (draft-ietf-mmusic-sctp-sdp-05, aiortc's offers): the port is the format, described by a=sctpmap.
            var port = options.SctpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            answer.Formats.Add(port);
            answer.Attributes.Add(new SdpAttribute("sctpmap", port + " webrtc-datachannel 65535"));
        }
        else
        {
            answer.SctpPort = options.SctpPort;
            answer.Formats.Add(MediaDescription.DataChannelFormat);
        }

        return answer;
    }

    private static MediaDescription? AnswerRtp(MediaDescription offered, SdpAnswerOptions options, out string reason)
    {
        var kept = new HashSet<int>();
        foreach (var codec in offered.Codecs)
        {
            if (!codec.IsRtx && IsSupported(offered.Kind, codec, options.Codecs))
            {
                kept.Add(codec.PayloadType);
            }
        }

        if (kept.Count == 0)
        {
            reason = "no supported codec: offered " + OfferedNames(offered);
            return null;
        }

        reason = string.Empty;
        var answer = new MediaDescription(offered.Kind, 9, offered.Protocol) { RtcpMux = true, RtcpRsize = offered.RtcpRsize };
        foreach (var codec in offered.Codecs)
        {
            var keep = codec.IsRtx
                ? options.Rtx && codec.AssociatedPayloadType is { } apt && kept.Contains(apt)
                : kept.Contains(codec.PayloadType);
            if (!keep)
            {
                continue;
            }

            // The offerer's fmtp is echoed: an SFU forwards the offerer's streams as they are.
            var copy = new RtpCodec(codec.PayloadType, codec.Name, codec.ClockRate, codec.Channels, codec.Fmtp);
            foreach (var feedback in codec.Feedback)
            {
                if (options.Feedback.Contains(feedback))
                {
                    copy.Feedback.Add(feedback);
                }
            }

            answer.AddCodec(copy);
        }

        foreach (var extmap in offered.Extmaps)
        {
            if (options.HeaderExtensions.Contains(extmap.Uri))
            {
                answer.Extmaps.Add(new SdpExtmap(extmap.Id, null, extmap.Uri));
            }
        }

        var wanted = options.Direction?.Invoke(offered) ?? Mirror(offered.Direction);
        answer.Direction = Narrow(wanted, offered.Direction);

        // Simulcast the offerer sends is received by us: rids and simulcast reversed (RFC 8853 §5.3).
        if (offered.Simulcast?.Send is { } send && CanReceive(answer.Direction))
        {
            foreach (var rid in offered.Rids)
            {
                if (rid.Direction == RidDirection.Send)
                {
                    answer.Rids.Add(new SdpRid(rid.Id, RidDirection.Recv));
                }
            }

            answer.Simulcast = new SdpSimulcast(null, send);
        }

        return answer;
    }

    private static bool IsSupported(string kind, RtpCodec codec, IReadOnlyList<SdpCodecCapability> capabilities)
    {
        foreach (var capability in capabilities)
        {
            if (capability.Matches(kind, codec))
            {
                return true;
            }
        }

        return false;
    }

    private static string OfferedNames(MediaDescription offered)
    {
        var names = new List<string>();
        foreach (var codec in offered.Codecs)
        {
            if (!codec.IsRtx && !names.Contains(codec.Name))
            {
                names.Add(codec.Name);
            }
        }

        if (names.Count == 0)
        {
            return "no codec with an a=rtpmap (formats " + string.Join(' ', offered.Formats) + ")";
        }

        return string.Join(", ", names);
    }

    private static MediaDirection Mirror(MediaDirection offered) => offered switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        _ => offered,
    };

    private static bool CanSend(MediaDirection d) => d is MediaDirection.SendRecv or MediaDirection.SendOnly;

    private static bool CanReceive(MediaDirection d) => d is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    /// <summary>We may send only what the offerer receives and receive only what it sends (RFC 3264 §6.1).</summary>
    private static MediaDirection Narrow(MediaDirection wanted, MediaDirection offered)
    {
        var send = CanSend(wanted) && CanReceive(offered);
        var receive = CanReceive(wanted) && CanSend(offered);
        return (send, receive) switch
        {
            (true, true) => MediaDirection.SendRecv,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.RecvOnly,
            _ => MediaDirection.Inactive,
        };
    }

    /// <summary>The m= port and c= line name the default candidate (RFC 8839 §4.2.1.2), or 9 and 0.0.0.0 without one.</summary>
    public static void SetAddress(MediaDescription media, IReadOnlyList<IceCandidate> candidates)
    {
        var first = candidates.Count > 0 ? candidates[0] : null;
        if (first is not null && System.Net.IPAddress.TryParse(first.Address, out var address))
        {
            media.Port = first.Port;
            media.Connection = (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IN IP6 " : "IN IP4 ") + first.Address;
        }
        else
        {
            media.Port = 9;
            media.Connection = "IN IP4 0.0.0.0";
        }
    }

    /// <summary>
    /// A rejected section (RFC 3264 §6, RFC 8829 §5.3.1): port 0, the offer's first format and no codecs, no
    /// candidates, but the mid and transport attributes every answer section carries.
    /// </summary>
    private static MediaDescription Rejected(SessionDescription offer, MediaDescription offered, SdpAnswerOptions options)
    {
        var media = new MediaDescription(offered.Kind, 0, offered.Protocol) { Connection = "IN IP4 0.0.0.0" };
        media.Formats.Add(offered.Formats.Count > 0 ? offered.Formats[0] : "0");
        SetTransport(media, offer, offered, options);
        return media;
    }
}
