using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Sfu.Forwarding;

namespace Sluice.Sfu.Negotiation;

/// <summary>
/// The node's own offers, for cascades and relays: the node is then the client of another WHIP/WHEP server, so it
/// offers (<c>a=setup:actpass</c>, no candidates: the server learns our address from our checks) and the server
/// answers.
/// </summary>
public sealed partial class Negotiator
{
    /// <summary>
    /// A WHEP offer to receive a stream (pull): one video section with every video codec we forward (each with
    /// RTX), one audio section with every audio codec, and data channels; the server picks what its publisher sends.
    /// </summary>
    public SessionDescription OfferToReceive(IceParameters localIce)
    {
        var video = new List<RtpCodec>();
        var payloadType = 96;
        foreach (var capability in SfuCodecs.Video)
        {
            var codec = new RtpCodec(payloadType++, capability.Name, capability.ClockRate, capability.Channels, capability.Fmtp);
            codec.Feedback.AddRange(SfuCodecs.Feedback);
            video.Add(codec);
            video.Add(new RtpCodec(payloadType++, "rtx", capability.ClockRate, null, "apt=" + codec.PayloadType.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var audio = new List<RtpCodec>();
        foreach (var capability in SfuCodecs.Audio)
        {
            // The static payload types where RFC 3551 has one, a dynamic one (Opus) otherwise.
            var type = capability.Name switch { "PCMU" => 0, "PCMA" => 8, "G722" => 9, _ => payloadType++ };
            audio.Add(new RtpCodec(type, capability.Name, capability.ClockRate, capability.Channels, capability.Fmtp));
        }

        var extensions = SfuCodecs.PublisherExtensions.Select((uri, i) => new SdpExtmap(i + 1, null, uri)).ToList();
        return SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = localIce.UsernameFragment,
            IcePwd = localIce.Password,
            Fingerprint = _fingerprint.ToString(),
            Media =
            [
                new SdpOfferMedia("video", MediaDirection.RecvOnly, video) { Extmaps = extensions },
                new SdpOfferMedia("audio", MediaDirection.RecvOnly, audio) { Extmaps = extensions },
            ],
            DataChannel = true,
            SctpPort = NegotiatedData.LocalPort,
            MaxMessageSize = NegotiatedData.LocalMaxMessageSize,
        });
    }

    /// <summary>
    /// The first offer of a subscriber session the node opens itself (LiveKit's subscriber peer connection): one
    /// sendonly section per track, as later offers add them, then data channels; ICE-lite on the node's shared media
    /// port with its candidates, <c>a=setup:actpass</c> (the answerer chooses the DTLS role).
    /// </summary>
    public (SessionDescription Offer, IReadOnlyDictionary<string, TrackId> Added) OfferNewSubscriber(IceParameters localIce,
        Func<PublishedTrack, string> streamIdOf, IReadOnlyList<PublishedTrack> tracks)
    {
        var empty = new SessionDescription { MsidSemantic = "WMS", ExtmapAllowMixed = true, IceLite = true };
        var (offer, added) = OfferSubscriber(empty, localIce, streamIdOf, tracks, new HashSet<string>());
        offer.Media.Add(DataSection(offer, localIce, _candidates));
        offer.Groups.RemoveAll(g => g.Semantics == SdpGroup.Bundle);
        offer.Groups.Add(new SdpGroup(SdpGroup.Bundle, [.. offer.Media.Select(m => m.Mid!)]));
        return (offer, added);
    }

    /// <summary>
    /// A WHIP offer to send a stream's tracks (push): one sendonly section per track, with its codecs, our SSRCs
    /// (the server routes by them) and the msid of the stream, and data channels.
    /// </summary>
    public SessionDescription OfferToSend(IceParameters localIce, string streamId, IReadOnlyList<PublishedTrack> tracks)
    {
        var empty = new SessionDescription { MsidSemantic = "WMS", ExtmapAllowMixed = true };
        var (offer, _) = OfferSubscriber(empty, localIce, _ => streamId, tracks, new HashSet<string>());
        foreach (var section in offer.Media)
        {
            // The node's candidates are its shared media port's; this transport has a socket of its own.
            section.Candidates.Clear();
            section.EndOfCandidates = false;
            SdpAnswerer.SetAddress(section, []);
        }

        offer.Media.Add(DataSection(offer, localIce, []));
        offer.Groups.RemoveAll(g => g.Semantics == SdpGroup.Bundle);
        offer.Groups.Add(new SdpGroup(SdpGroup.Bundle, [.. offer.Media.Select(m => m.Mid!)]));
        return offer;
    }

    /// <summary>An offered data-channel section (RFC 8841), with <paramref name="candidates"/> (none: the peer learns our address from our checks).</summary>
    private MediaDescription DataSection(SessionDescription offer, IceParameters localIce, IReadOnlyList<IceCandidate> candidates)
    {
        var data = new MediaDescription("application", 9, MediaDescription.SctpProtocol)
        {
            Mid = NextMid(offer),
            SctpPort = NegotiatedData.LocalPort,
            MaxMessageSize = NegotiatedData.LocalMaxMessageSize,
            IceUfrag = localIce.UsernameFragment,
            IcePwd = localIce.Password,
            Setup = DtlsSetup.ActPass,
        };
        data.Formats.Add(MediaDescription.DataChannelFormat);
        data.Fingerprints.Add(_fingerprint.ToString());
        SdpAnswerer.SetAddress(data, candidates);
        if (candidates.Count > 0)
        {
            data.Candidates.AddRange(candidates);
            data.EndOfCandidates = true;
        }

        return data;
    }
}
