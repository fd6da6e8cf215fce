using Sluice.Client.Sdp;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Sdp;

namespace Sluice.Cli.Tests.Sdp;

/// <summary>The offers we send (RFC 9725 §4.2, JSEP RFC 8829) and what we take from an ICE-lite answer.</summary>
public sealed class OfferAnswerTests
{
    private const string Fingerprint = "sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

    private const string LiteAnswer =
        "v=0\r\n" +
        "o=- 4215 2 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "t=0 0\r\n" +
        "a=ice-lite\r\n" +
        "a=group:BUNDLE 0 1\r\n" +
        "m=video 7777 UDP/TLS/RTP/SAVPF 120 121\r\n" +
        "c=IN IP4 127.0.0.1\r\n" +
        "a=mid:0\r\n" +
        "a=recvonly\r\n" +
        "a=ice-ufrag:srvU\r\n" +
        "a=ice-pwd:serverpassword0123456789\r\n" +
        "a=fingerprint:" + Fingerprint + "\r\n" +
        "a=setup:passive\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtpmap:120 VP8/90000\r\n" +
        "a=rtcp-fb:120 nack\r\n" +
        "a=rtcp-fb:120 nack pli\r\n" +
        "a=rtpmap:121 rtx/90000\r\n" +
        "a=fmtp:121 apt=120\r\n" +
        "a=candidate:1 1 udp 2130706431 127.0.0.1 7777 typ host\r\n" +
        "a=candidate:2 1 tcp 1518280447 127.0.0.1 7778 typ host tcptype passive\r\n" +
        "a=end-of-candidates\r\n" +
        "m=audio 7777 UDP/TLS/RTP/SAVPF 109\r\n" +
        "c=IN IP4 127.0.0.1\r\n" +
        "a=mid:1\r\n" +
        "a=recvonly\r\n" +
        "a=ice-ufrag:srvU\r\n" +
        "a=ice-pwd:serverpassword0123456789\r\n" +
        "a=fingerprint:" + Fingerprint + "\r\n" +
        "a=setup:passive\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtpmap:109 opus/48000/2\r\n" +
        "a=candidate:1 1 udp 2130706431 127.0.0.1 7777 typ host\r\n" +
        "a=end-of-candidates\r\n";

    [Fact]
    public void PublishOffer_IsSendOnly_WithRtxFidGroupAndOurCredentials()
    {
        var offer = OfferBuilder.CreatePublishOffer("ufrag1", "pwd-0123456789abcdefghij", Fingerprint, "cn", [
            new PublishTrack(CodecSpec.VP8, 0x11, 0x12),
            new PublishTrack(CodecSpec.Opus, 0x21, null),
        ]);
        var text = offer.ToString();
        var parsed = SessionDescription.Parse(text);

        Assert.Equal(["0", "1"], parsed.BundleGroup!.Mids);
        var video = parsed.Media[0];
        Assert.Equal("video", video.Kind);
        Assert.Equal(MediaDirection.SendOnly, video.Direction);
        Assert.True(video.RtcpMux);
        Assert.Equal(DtlsSetup.ActPass, video.Setup);
        Assert.Equal("ufrag1", video.IceUfrag);
        Assert.Equal([Fingerprint], video.Fingerprints);
        Assert.Equal(["VP8", "rtx"], video.Codecs.Select(c => c.Name));
        Assert.Equal(96, video.Codecs[1].AssociatedPayloadType);
        Assert.Equal(["nack", "nack pli", "ccm fir", "transport-cc"], video.Codecs[0].Feedback);
        var fid = Assert.Single(video.SsrcGroups);
        Assert.Equal(SdpSsrcGroup.Fid, fid.Semantics);
        Assert.Equal([0x11u, 0x12u], fid.Ssrcs);
        Assert.Contains(video.Ssrcs, s => s.Ssrc == 0x11 && s.Attribute == "cname" && s.Value == "cn");

        var audio = parsed.Media[1];
        Assert.Equal(MediaDirection.SendOnly, audio.Direction);
        var opus = Assert.Single(audio.Codecs);
        Assert.Equal(("opus", 48000, 2), (opus.Name, opus.ClockRate, opus.Channels!.Value));
    }

    [Fact]
    public void SubscribeOffer_IsRecvOnly_WithEveryVideoCodecAndRtx()
    {
        var offer = SessionDescription.Parse(OfferBuilder.CreateSubscribeOffer("u", "p-0123456789abcdefghijkl", Fingerprint).ToString());

        var video = offer.Media[0];
        Assert.Equal(MediaDirection.RecvOnly, video.Direction);
        Assert.Equal(["VP8", "rtx", "VP9", "rtx", "H264", "rtx", "AV1", "rtx"], video.Codecs.Select(c => c.Name));
        var h264 = video.Codecs.Single(c => c.Name == "H264");
        Assert.Equal("42e01f", h264.GetParameter("profile-level-id"));
        Assert.Equal("1", h264.GetParameter("packetization-mode"));
        Assert.Equal(MediaDirection.RecvOnly, offer.Media[1].Direction);
        Assert.Equal("opus", Assert.Single(offer.Media[1].Codecs).Name);
        Assert.Empty(video.Ssrcs);

        // Transport-wide CC on both sections (one id in the bundle), with transport-cc feedback on video, so the
        // server can estimate our path from the feedback we send.
        Assert.All(offer.Media, m => Assert.Equal(5, Assert.Single(m.Extmaps, e => e.Uri == TransportCcRecorder.ExtensionUri).Id));
        Assert.Contains("transport-cc", video.Codecs[0].Feedback);
    }

    [Fact]
    public void The_answer_s_transport_wide_cc_id_is_found_only_with_its_feedback()
    {
        var offer = OfferBuilder.CreateSubscribeOffer("u", "p-0123456789abcdefghijkl", Fingerprint);
        Assert.Equal(5, NegotiatedMedia.TransportCcId(offer));

        // An answer that accepts the extension but not the feedback (or the other way) has none.
        foreach (var codec in offer.Media.SelectMany(m => m.Codecs))
        {
            codec.Feedback.Remove("transport-cc");
        }

        Assert.Equal(0, NegotiatedMedia.TransportCcId(offer));
    }

    [Fact]
    public void Answer_PayloadTypesWin_OverOurs()
    {
        var answer = SessionDescription.Parse(LiteAnswer);

        var video = NegotiatedMedia.Read(answer, "video", "0");
        var vp8 = Assert.Single(video.Codecs);
        Assert.Equal((120, 121), (vp8.PayloadType, vp8.RtxPayloadType!.Value));
        Assert.Null(video.Find(CodecSpec.H264));

        var audio = NegotiatedMedia.Read(answer, "audio", "1");
        Assert.Equal(109, Assert.Single(audio.Codecs).PayloadType);
    }

    [Fact]
    public void RejectedSection_IsNotAccepted()
    {
        var answer = SessionDescription.Parse(LiteAnswer.Replace("m=audio 7777", "m=audio 0"));
        Assert.False(NegotiatedMedia.Read(answer, "audio", "1").Accepted);
    }

    [Fact]
    public void RemoteTransport_FromAnIceLiteAnswer()
    {
        Assert.True(RemoteTransport.TryRead(SessionDescription.Parse(LiteAnswer), out var remote, out var error), error);

        Assert.True(remote.IceLite);
        Assert.Equal("srvU", remote.Ice.UsernameFragment);
        Assert.Equal("serverpassword0123456789", remote.Ice.Password);
        Assert.Equal(Fingerprint, remote.Fingerprint.ToString());
        Assert.Equal([new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 7777)], remote.Candidates);
    }

    [Fact]
    public void RemoteTransport_WithoutCandidates_SaysSo()
    {
        var text = string.Join("\r\n", LiteAnswer.Split("\r\n").Where(l => !l.StartsWith("a=candidate", StringComparison.Ordinal)));
        Assert.False(RemoteTransport.TryRead(SessionDescription.Parse(text), out _, out var error));
        Assert.Contains("candidate", error);
    }
}
