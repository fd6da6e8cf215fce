using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>What one of a duplex offer's recvonly sections carries: a track's msid, and the SSRCs the node sends it on.</summary>
public readonly record struct SectionBinding(string StreamId, string TrackId, uint Ssrc, uint RtxSsrc);

/// <summary>
/// Offers that both send and receive on one transport (LiveKit's single peer connection): the sections the peer
/// sends on are answered as a publisher's, the recvonly ones as a subscriber's.
/// </summary>
public sealed partial class Negotiator
{
    /// <summary>
    /// The answer to a duplex offer. Sendonly and sendrecv sections are answered recvonly, as
    /// <see cref="AnswerPublisher"/> does, and become <paramref name="published"/> tracks; a recvonly section that
    /// <paramref name="bind"/> gives a track (by kind and mid) is answered sendonly with that track's msid and the
    /// binding's SSRCs, and becomes one of <paramref name="received"/>; one it gives none is answered inactive (the
    /// peer keeps it for later offers). Both halves share the session's ICE credentials, certificate and BUNDLE.
    /// </summary>
    public SfuError? AnswerDuplex(SessionDescription offer, IceParameters localIce, Func<MediaKind, string, SectionBinding?> bind,
        out SessionDescription? answer, out IReadOnlyList<NegotiatedTrack> published, out IReadOnlyList<NegotiatedTrack> received)
    {
        received = [];
        if (AnswerPublisher(offer, localIce, out answer, out published) is { } unusable)
        {
            return unusable;
        }

        var bindings = new Dictionary<string, SectionBinding>(StringComparer.Ordinal);
        foreach (var section in offer.Media)
        {
            if (IsReceiving(section) && section.Mid is { } mid && bind(section.Kind == "audio" ? MediaKind.Audio : MediaKind.Video, mid) is { } binding)
            {
                bindings[mid] = binding;
            }
        }

        var ssrcs = new Dictionary<string, (uint Ssrc, uint Rtx)[]>(StringComparer.Ordinal);
        var options = Options(localIce, SfuCodecs.All, DuplexReceivingExtensions,
            section => section.Mid is { } mid && IsReceiving(section) && bindings.ContainsKey(mid) ? MediaDirection.SendOnly : MediaDirection.Inactive,
            (offered, section) =>
            {
                if (section.Direction != MediaDirection.SendOnly || offered.Mid is not { } mid || !bindings.TryGetValue(mid, out var binding))
                {
                    return;
                }

                ssrcs[mid] = [(binding.Ssrc, binding.RtxSsrc)];
                var hasRtx = section.Codecs.Exists(c => c.IsRtx);
                section.AddSendStreams([binding.Ssrc], "sluice", binding.StreamId, binding.TrackId, hasRtx ? [binding.RtxSsrc] : null);
            });
        // (The subscriptions write only the subscriber's extensions on what they send: Subscription maps no others.)
        if (Answer(offer, options, ssrcs, out var receiving, out received) is { } refused)
        {
            answer = null;
            published = [];
            return refused;
        }

        // One description: each recvonly section as the subscriber half answered it, the rest as the publisher half did.
        for (var i = 0; i < offer.Media.Count; i++)
        {
            if (IsReceiving(offer.Media[i]))
            {
                answer!.Media[i] = receiving!.Media[i];
            }
        }

        return null;
    }

    /// <summary>
    /// The extensions a duplex offer's recvonly sections are answered with: the subscriber's, and the MID and RID ones
    /// the peer's sending sections use. One transport's sections share what it negotiated, and Chromium, told in an
    /// answer that no section takes the RID extension, leaves it out of its next offer and then refuses its own
    /// simulcast section ("negotiates simulcast but does not negotiate the RID RTP header extension").
    /// </summary>
    private static readonly IReadOnlyList<string> DuplexReceivingExtensions =
        [.. SfuCodecs.SubscriberExtensions, SfuCodecs.Mid, SfuCodecs.RtpStreamId, SfuCodecs.RepairedRtpStreamId];

    /// <summary>A live audio or video section the peer only receives on.</summary>
    private static bool IsReceiving(MediaDescription section) =>
        section.IsLive && section.Kind is "audio" or "video" && section.Direction == MediaDirection.RecvOnly;
}
