using System.Net;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Tests.Negotiation;

/// <summary>
/// A relay between two nodes carries every encoding: the holder answers the relaying node's offer with one SSRC (and
/// RTX SSRC) per encoding in an a=ssrc-group:SIM, and the relaying node, reading that answer as a publisher's offer,
/// finds the same encodings.
/// </summary>
public sealed class RelayAnswerTests
{
    [Fact]
    public void A_relays_video_section_announces_each_encoding_and_the_other_node_reads_them_back()
    {
        var holder = new Negotiator(new DtlsFingerprint(DtlsHashAlgorithm.Sha256, new byte[32]), [new IPEndPoint(IPAddress.Loopback, 5000)]);
        var relaying = new Negotiator(new DtlsFingerprint(DtlsHashAlgorithm.Sha256, new byte[32]), [new IPEndPoint(IPAddress.Loopback, 5001)]);
        var offer = relaying.OfferToReceive(IceParameters.Generate());

        // The stream's video track has three encodings, its audio one.
        Assert.Null(holder.AnswerSubscriber(offer, IceParameters.Generate(), "cam", null, out var answer, out var tracks,
            (kind, ordinal) => kind == MediaKind.Video && ordinal == 0 ? 3 : 1));
        var video = Assert.Single(tracks, t => t.Kind == MediaKind.Video);
        Assert.Equal(3, video.Encodings.Count);
        Assert.Equal(video.Ssrc, video.Encodings[0].Ssrc);
        Assert.All(video.Encodings, e => Assert.NotNull(e.RtxSsrc));
        Assert.Equal(6, video.Encodings.SelectMany(e => new[] { e.Ssrc, e.RtxSsrc }).Distinct().Count());
        Assert.Empty(Assert.Single(tracks, t => t.Kind == MediaKind.Audio).Encodings);

        var section = answer!.Media.Single(m => m.Kind == "video");
        var simulcast = Assert.Single(section.SsrcGroups, g => g.Semantics == "SIM");
        Assert.Equal(video.Encodings.Select(e => e.Ssrc!.Value), simulcast.Ssrcs);
        Assert.Equal(3, section.SsrcGroups.Count(g => g.Semantics == SdpSsrcGroup.Fid));
        Assert.Single(section.Msids);

        // The relaying node reads the answer as a publisher's offer: the same encodings, in order, with their RTX.
        Assert.True(SessionDescription.TryParse(answer.ToString(), out var reparsed, out _));
        Assert.Null(relaying.AnswerPublisher(reparsed!, IceParameters.Generate(), out _, out var relayed));
        var relayedVideo = Assert.Single(relayed, t => t.Kind == MediaKind.Video);
        Assert.Equal(video.Encodings.Select(e => (e.Ssrc, e.RtxSsrc)), relayedVideo.Encodings.Select(e => (e.Ssrc, e.RtxSsrc)));

        // A viewer's answer (no encodings asked for) has one SSRC per section, as before.
        Assert.Null(holder.AnswerSubscriber(offer, IceParameters.Generate(), "cam", null, out var single, out var singleTracks));
        Assert.DoesNotContain(single!.Media.Single(m => m.Kind == "video").SsrcGroups, g => g.Semantics == "SIM");
        Assert.All(singleTracks, t => Assert.Empty(t.Encodings));
    }
}
