using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>Answers per JSEP (RFC 8829 §5.3.1) to real Chromium offers, with BUNDLE (RFC 8843) and simulcast (RFC 8853).</summary>
public class SdpAnswererTests
{
    private const string Fingerprint = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    private const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    private const string TransportCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    private const string Mid = "urn:ietf:params:rtp-hdrext:sdes:mid";
    private const string RtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";

    private static readonly IceCandidate Host = new("1", 1, "udp", 2130706431, "192.0.2.1", 3478, "host");

    private static SdpAnswerOptions Options(params SdpCodecCapability[] codecs) => new()
    {
        IceUfrag = "srvU",
        IcePwd = "server-password-0123456789",
        Fingerprint = Fingerprint,
        IceLite = true,
        Codecs = codecs,
        HeaderExtensions = [AudioLevel, TransportCc, Mid, RtpStreamId],
        Candidates = [Host],
        EndOfCandidates = true,
        Origin = new SdpOrigin("-", "42", 2, "IN", "IP4", "127.0.0.1"),
    };

    private static SessionDescription Offer(string name) => SessionDescription.Parse(ChromiumOffers.Load(name));

    private static SessionDescription Answer(SessionDescription offer, SdpAnswerOptions options)
    {
        Assert.True(SdpAnswerer.TryCreateAnswer(offer, options, out var answer, out var error), error);
        // Whatever we write must read back to the same text.
        var text = answer!.ToString();
        Assert.Equal(text, SessionDescription.Parse(text).ToString());
        return answer;
    }

    [Fact]
    public void SendOnly_offer_with_VP8_and_Opus_supported()
    {
        var answer = Answer(Offer(ChromiumOffers.SendOnly), Options(SdpCodecCapability.Opus, SdpCodecCapability.VP8));

        Assert.True(answer.IceLite);
        Assert.True(answer.ExtmapAllowMixed);
        Assert.Equal(["0", "1"], answer.BundleGroup!.Mids);
        Assert.Equal(2, answer.Media.Count);
        foreach (var media in answer.Media)
        {
            Assert.Equal(MediaDirection.RecvOnly, media.Direction);
            Assert.Equal(DtlsSetup.Passive, media.Setup);
            Assert.Equal(("srvU", "server-password-0123456789"), (media.IceUfrag, media.IcePwd));
            Assert.Equal([Fingerprint], media.Fingerprints);
            Assert.Equal([Host], media.Candidates);
            Assert.True(media.EndOfCandidates);
            Assert.True(media.RtcpMux);
            Assert.True(media.RtcpRsize);
            Assert.Equal((3478, "IN IP4 192.0.2.1"), (media.Port, media.Connection));
            Assert.Empty(media.Ssrcs);
        }

        var audio = answer.Media[0];
        Assert.Equal("0", audio.Mid);
        Assert.Equal(["111"], audio.Formats);
        var opus = Assert.Single(audio.Codecs);
        Assert.Equal(("opus", 48000, (int?)2, "minptime=10;useinbandfec=1"), (opus.Name, opus.ClockRate, opus.Channels, opus.Fmtp));
        Assert.Equal(["transport-cc"], opus.Feedback);
        Assert.Equal([(1, AudioLevel), (3, TransportCc), (4, Mid)], audio.Extmaps.Select(e => (e.Id, e.Uri)));

        var video = answer.Media[1];
        Assert.Equal("1", video.Mid);
        Assert.Equal(["96", "97"], video.Formats);
        Assert.Equal(["VP8", "rtx"], video.Codecs.Select(c => c.Name));
        Assert.Equal("apt=96", video.Codecs[1].Fmtp);
        Assert.Equal(["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"], video.Codecs[0].Feedback);
        Assert.Empty(video.Codecs[1].Feedback);
        Assert.Equal([(3, TransportCc), (4, Mid), (10, RtpStreamId)], video.Extmaps.Select(e => (e.Id, e.Uri)));

        var text = answer.ToString();
        Assert.Contains("a=group:BUNDLE 0 1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("m=video 3478 UDP/TLS/RTP/SAVPF 96 97\r\n", text, StringComparison.Ordinal);
        Assert.Contains("a=candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("H264", text, StringComparison.Ordinal);
    }

    [Fact]
    public void H264_matches_profile_and_packetization_mode()
    {
        // Offered: 102 42001f/1, 104 42001f/0, 108 42e01f/1, 114 42e01f/0, 116 4d001f/1, 39 4d001f/0, each with an rtx.
        var answer = Answer(Offer(ChromiumOffers.SendOnly), Options(SdpCodecCapability.Opus, SdpCodecCapability.H264ConstrainedBaseline));

        var video = answer.Media[1];
        Assert.Equal(["108", "109"], video.Formats);
        Assert.Equal("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", video.Codecs[0].Fmtp);
        Assert.Equal(108, video.Codecs[1].AssociatedPayloadType);
    }

    [Fact]
    public void H264_constrained_baseline_also_matches_4d_with_constraint_set1()
    {
        var main = new SdpCodecCapability("video", "H264", 90000, null, "packetization-mode=1;profile-level-id=4d001f");
        var answer = Answer(Offer(ChromiumOffers.SendOnly), Options(main));

        Assert.Equal(["116", "117"], answer.Media[1].Formats);
        Assert.Equal(0, answer.Media[0].Port);
    }

    [Fact]
    public void VP9_matches_profile_id_and_rtx_without_kept_codec_is_dropped()
    {
        var options = Options(SdpCodecCapability.VP9Profile0);
        var answer = Answer(Offer(ChromiumOffers.RecvOnly), options);

        Assert.Equal(["98", "99"], answer.Media[1].Formats);
    }

    [Fact]
    public void Unsupported_audio_is_rejected_and_left_out_of_bundle()
    {
        var answer = Answer(Offer(ChromiumOffers.SendOnly), Options(SdpCodecCapability.VP8));

        var audio = answer.Media[0];
        Assert.Equal((0, "0", "IN IP4 0.0.0.0"), (audio.Port, audio.Mid, audio.Connection));
        Assert.Equal(["111"], audio.Formats);
        Assert.Empty(audio.Codecs);
        Assert.Empty(audio.Candidates);
        Assert.Equal(("srvU", "server-password-0123456789", DtlsSetup.Passive), (audio.IceUfrag, audio.IcePwd, audio.Setup));
        Assert.Equal([Fingerprint], audio.Fingerprints);
        Assert.Equal(["1"], answer.BundleGroup!.Mids);
        Assert.Contains("m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n", answer.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// An offer shaped like aiortc's (audio, video and its data channel, candidates in every section): with data
    /// channels off, the application section is rejected, yet it carries a=mid, our ICE credentials, fingerprint
    /// and a=setup like the accepted ones (aiortc refuses an answer section without ICE credentials), keeps only
    /// its first format and stays out of BUNDLE.
    /// </summary>
    [Fact]
    public void Rejected_data_channel_section_carries_mid_ice_credentials_fingerprint_and_setup()
    {
        var transport =
            "c=IN IP4 127.0.0.1\r\n" +
            "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n" +
            "a=ice-ufrag:aioU\r\na=ice-pwd:aiortc-password-0123456789\r\n" +
            "a=fingerprint:" + Fingerprint + "\r\na=setup:actpass\r\n";
        var offer = SessionDescription.Parse(
            "v=0\r\no=- 3900000000 3900000000 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\na=msid-semantic:WMS *\r\n" +
            "m=audio 50000 UDP/TLS/RTP/SAVPF 96 0 8\r\n" + transport +
            "a=sendonly\r\na=mid:0\r\na=msid:s a\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=rtcp-mux\r\na=ssrc:1 cname:c\r\n" +
            "a=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n" +
            "m=video 50000 UDP/TLS/RTP/SAVPF 97 98\r\n" + transport +
            "a=sendonly\r\na=mid:1\r\na=msid:s v\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=rtcp-mux\r\na=ssrc:2 cname:c\r\n" +
            "a=rtpmap:97 VP8/90000\r\na=rtcp-fb:97 nack\r\na=rtcp-fb:97 nack pli\r\na=rtcp-fb:97 goog-remb\r\n" +
            "a=rtpmap:98 rtx/90000\r\na=fmtp:98 apt=97\r\n" +
            "m=application 50000 DTLS/SCTP 5000\r\n" + transport +
            "a=mid:2\r\na=sctpmap:5000 webrtc-datachannel 65535\r\na=max-message-size:65536\r\n");

        var answer = Answer(offer, Options(SdpCodecCapability.Opus, SdpCodecCapability.VP8));

        Assert.Equal(["audio", "video", "application"], answer.Media.Select(m => m.Kind));
        Assert.Equal(["0", "1", "2"], answer.Media.Select(m => m.Mid));
        foreach (var media in answer.Media)
        {
            Assert.Equal(("srvU", "server-password-0123456789"), (media.IceUfrag, media.IcePwd));
            Assert.Equal([Fingerprint], media.Fingerprints);
            Assert.Equal(DtlsSetup.Passive, media.Setup);
        }

        Assert.Equal([3478, 3478, 0], answer.Media.Select(m => m.Port));
        var data = answer.Media[2];
        Assert.Equal(("DTLS/SCTP", "IN IP4 0.0.0.0"), (data.Protocol, data.Connection));
        Assert.Equal(["5000"], data.Formats);
        Assert.Empty(data.Codecs);
        Assert.Empty(data.Candidates);
        Assert.Null(data.SctpPort);
        Assert.Equal(["0", "1"], answer.BundleGroup!.Mids);

        var text = answer.ToString();
        var section = text[text.IndexOf("m=application", StringComparison.Ordinal)..];
        Assert.Equal(
            "m=application 0 DTLS/SCTP 5000\r\nc=IN IP4 0.0.0.0\r\n" +
            "a=ice-ufrag:srvU\r\na=ice-pwd:server-password-0123456789\r\na=fingerprint:" + Fingerprint + "\r\na=setup:passive\r\na=mid:2\r\n",
            section);
    }

    [Fact]
    public void Offer_with_only_unsupported_codecs_gives_an_error_naming_them()
    {
        var offer = SessionDescription.Parse(
            "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 49 50 51\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n" +
            "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\na=fingerprint:" + Fingerprint + "\r\na=setup:actpass\r\n" +
            "a=rtpmap:49 H265/90000\r\na=rtpmap:50 rtx/90000\r\na=fmtp:50 apt=49\r\na=rtpmap:51 H266/90000\r\n");

        Assert.False(SdpAnswerer.TryCreateAnswer(offer, Options(SdpCodecCapability.Opus, SdpCodecCapability.VP8), out var answer, out var error));

        Assert.Null(answer);
        Assert.Equal("no usable m= section: video (mid 0): no supported codec: offered H265, H266", error);
    }

    [Fact]
    public void Chromium_offer_with_nothing_supported_names_every_section()
    {
        Assert.False(SdpAnswerer.TryCreateAnswer(Offer(ChromiumOffers.SendOnly), Options(), out _, out var error));

        Assert.Equal(
            "no usable m= section: audio (mid 0): no supported codec: offered opus, red, G722, PCMU, PCMA, CN, telephone-event; " +
            "video (mid 1): no supported codec: offered VP8, H264, AV1, VP9, red, ulpfec",
            error);
    }

    [Fact]
    public void RecvOnly_offer_gets_a_sendonly_answer_with_send_streams()
    {
        var options = new SdpAnswerOptions
        {
            IceUfrag = "srvU",
            IcePwd = "server-password-0123456789",
            Fingerprint = Fingerprint,
            Codecs = [SdpCodecCapability.Opus, SdpCodecCapability.VP8],
            ConfigureMedia = (offered, answer) =>
                answer.AddSendStream(offered.Kind == "audio" ? 1000u : 2000u, "sluice", "stream", offered.Kind, offered.Kind == "video" ? 2001u : null),
        };

        var answer = Answer(Offer(ChromiumOffers.RecvOnly), options);

        Assert.All(answer.Media, m => Assert.Equal(MediaDirection.SendOnly, m.Direction));
        Assert.Equal(new SdpMsid("stream", "audio"), answer.Media[0].Msid);
        Assert.Equal([new SdpSsrc(1000, "cname", "sluice"), new SdpSsrc(1000, "msid", "stream audio")], answer.Media[0].Ssrcs);
        Assert.Equal([2000u, 2001u], Assert.Single(answer.Media[1].SsrcGroups).Ssrcs);
        Assert.Equal((9, "IN IP4 0.0.0.0"), (answer.Media[0].Port, answer.Media[0].Connection));
        Assert.False(answer.IceLite);
    }

    [Fact]
    public void Direction_policy_is_narrowed_to_what_the_offer_allows()
    {
        var options = Options(SdpCodecCapability.Opus, SdpCodecCapability.VP8);
        options = new SdpAnswerOptions
        {
            IceUfrag = options.IceUfrag,
            IcePwd = options.IcePwd,
            Fingerprint = options.Fingerprint,
            Codecs = options.Codecs,
            Direction = _ => MediaDirection.SendRecv,
        };

        var answer = Answer(Offer(ChromiumOffers.SendOnly), options);

        Assert.All(answer.Media, m => Assert.Equal(MediaDirection.RecvOnly, m.Direction));
    }

    [Fact]
    public void Simulcast_offer_is_answered_with_receive_rids()
    {
        var answer = Answer(Offer(ChromiumOffers.Simulcast), Options(SdpCodecCapability.VP8));

        var video = Assert.Single(answer.Media);
        Assert.Equal([new SdpRid("q", RidDirection.Recv), new SdpRid("h", RidDirection.Recv), new SdpRid("f", RidDirection.Recv)], video.Rids);
        Assert.Equal(new SdpSimulcast(null, "q;h;f"), video.Simulcast);
        Assert.Contains("a=simulcast:recv q;h;f\r\n", answer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_channel_offer()
    {
        var offer = Offer(ChromiumOffers.DataChannel);
        Assert.False(SdpAnswerer.TryCreateAnswer(offer, Options(SdpCodecCapability.VP8), out _, out var error));
        Assert.Equal("no usable m= section: application (mid 0): data channels are not accepted", error);

        var options = Options();
        options = new SdpAnswerOptions { IceUfrag = "u", IcePwd = "p", Fingerprint = Fingerprint, AcceptDataChannel = true, Setup = DtlsSetup.Active };
        var answer = Answer(offer, options);

        var data = Assert.Single(answer.Media);
        Assert.Equal(("application", "UDP/DTLS/SCTP", 5000, (int?)262144), (data.Kind, data.Protocol, data.SctpPort, data.MaxMessageSize));
        Assert.Equal(["webrtc-datachannel"], data.Formats);
        Assert.Equal(DtlsSetup.Active, data.Setup);
        Assert.Equal(["0"], answer.BundleGroup!.Mids);
    }

    [Fact]
    public void Offerer_setup_decides_our_role()
    {
        var offer = Offer(ChromiumOffers.DataChannel);
        offer.Media[0].Setup = DtlsSetup.Passive;

        var answer = Answer(offer, new SdpAnswerOptions { IceUfrag = "u", IcePwd = "p", Fingerprint = Fingerprint, AcceptDataChannel = true });

        Assert.Equal(DtlsSetup.Active, answer.Media[0].Setup);
    }

    [Fact]
    public void Created_offer_is_answerable_and_round_trips()
    {
        var offer = SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = "cliU",
            IcePwd = "client-password-0123456789",
            Fingerprint = Fingerprint,
            Origin = new SdpOrigin("-", "7", 2, "IN", "IP4", "127.0.0.1"),
            Media =
            [
                new SdpOfferMedia("audio", MediaDirection.SendOnly, [new RtpCodec(111, "opus", 48000, 2, "minptime=10;useinbandfec=1")])
                {
                    Extmaps = [new SdpExtmap(4, null, Mid)],
                    Configure = m => m.AddSendStream(5, "cli", "s", "a"),
                },
                new SdpOfferMedia("video", MediaDirection.SendOnly, [new RtpCodec(96, "VP8", 90000), new RtpCodec(97, "rtx", 90000, null, "apt=96")]),
            ],
            DataChannel = true,
        });

        var text = offer.ToString();
        Assert.Equal(text, SessionDescription.Parse(text).ToString());
        Assert.Equal(["0", "1", "2"], offer.BundleGroup!.Mids);
        Assert.All(offer.Media, m => Assert.Equal(DtlsSetup.ActPass, m.Setup));
        Assert.StartsWith("v=0\r\no=- 7 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n", text, StringComparison.Ordinal);

        var options = Options(SdpCodecCapability.Opus, SdpCodecCapability.VP8);
        options = new SdpAnswerOptions
        {
            IceUfrag = options.IceUfrag,
            IcePwd = options.IcePwd,
            Fingerprint = options.Fingerprint,
            Codecs = options.Codecs,
            HeaderExtensions = options.HeaderExtensions,
            AcceptDataChannel = true,
        };
        var answer = Answer(SessionDescription.Parse(text), options);
        Assert.Equal(["0", "1", "2"], answer.BundleGroup!.Mids);
        Assert.Equal([(4, Mid)], answer.Media[0].Extmaps.Select(e => (e.Id, e.Uri)));
        Assert.Equal(["96", "97"], answer.Media[1].Formats);
    }
}
