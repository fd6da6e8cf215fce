using Sluice.Rtc.Sdp;

namespace Sluice.Client.Sdp;

/// <summary>One payload format the answer accepted: our codec under the answer's payload type, and its RTX type.</summary>
internal sealed record NegotiatedCodec(CodecSpec Spec, int PayloadType, int? RtxPayloadType);

/// <summary>
/// What the answer says about one of our m= sections: the accepted codecs (answer PTs, JSEP RFC 8829 §5.3.1),
/// whether it was rejected (port 0), and the SSRCs the server announced (RFC 5576), if any.
/// </summary>
internal sealed record NegotiatedMedia(string Kind, string? Mid, IReadOnlyList<NegotiatedCodec> Codecs, IReadOnlyList<uint> RemoteSsrcs)
{
    public bool Accepted => Codecs.Count > 0;

    /// <summary>The answer's section for <paramref name="mid"/> (or the first of <paramref name="kind"/>); codecs we know only.</summary>
    public static NegotiatedMedia Read(SessionDescription answer, string kind, string? mid)
    {
        var section = (mid is null ? null : answer.FindMedia(mid)) ?? FindKind(answer, kind);
        if (section is null || section.Port == 0 || section.Direction == MediaDirection.Inactive)
        {
            return new NegotiatedMedia(kind, mid, [], []);
        }

        var codecs = new List<NegotiatedCodec>();
        foreach (var codec in section.Codecs)
        {
            if (codec.IsRtx || CodecSpec.FindByName(codec.Name) is not { } spec || spec.Kind != kind || spec.ClockRate != codec.ClockRate)
            {
                continue;
            }

            int? rtx = null;
            foreach (var candidate in section.Codecs)
            {
                if (candidate.IsRtx && candidate.AssociatedPayloadType == codec.PayloadType)
                {
                    rtx = candidate.PayloadType;
                    break;
                }
            }

            codecs.Add(new NegotiatedCodec(spec, codec.PayloadType, rtx));
        }

        var ssrcs = new List<uint>();
        foreach (var ssrc in section.Ssrcs)
        {
            if (!ssrcs.Contains(ssrc.Ssrc))
            {
                ssrcs.Add(ssrc.Ssrc);
            }
        }

        return new NegotiatedMedia(kind, section.Mid, codecs, ssrcs);
    }

    /// <summary>The id the answer gives the transport-wide sequence number (one per bundle), or 0 when it refused it.</summary>
    public static int TransportCcId(SessionDescription answer)
    {
        foreach (var media in answer.Media)
        {
            if (media.Port != 0 && media.Extmaps.Find(e => e.Uri == Rtc.Rtcp.TransportCcRecorder.ExtensionUri) is { } extmap
                && media.Codecs.Any(c => c.Feedback.Contains("transport-cc")))
            {
                return extmap.Id;
            }
        }

        return 0;
    }

    /// <summary>The accepted format of <paramref name="spec"/>'s codec, if any.</summary>
    public NegotiatedCodec? Find(CodecSpec spec)
    {
        foreach (var codec in Codecs)
        {
            if (codec.Spec.Codec == spec.Codec)
            {
                return codec;
            }
        }

        return null;
    }

    private static MediaDescription? FindKind(SessionDescription answer, string kind)
    {
        foreach (var media in answer.Media)
        {
            if (media.Kind == kind)
            {
                return media;
            }
        }

        return null;
    }
}
