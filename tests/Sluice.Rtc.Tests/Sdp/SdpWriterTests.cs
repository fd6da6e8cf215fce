using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>Writing descriptions built from scratch (canonical order) and editing parsed ones (original order kept).</summary>
public class SdpWriterTests
{
    private const string Fingerprint = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

    private static SessionDescription BuildFromScratch()
    {
        var session = new SessionDescription
        {
            Origin = new SdpOrigin("-", "123456789", 2, "IN", "IP4", "127.0.0.1"),
            MsidSemantic = "WMS",
            ExtmapAllowMixed = true,
            IceLite = true,
        };
        session.Groups.Add(new SdpGroup("BUNDLE", ["0", "1"]));

        var audio = new MediaDescription("audio", 9, MediaDescription.RtpProtocol)
        {
            Connection = "IN IP4 0.0.0.0",
            Mid = "0",
            Direction = MediaDirection.RecvOnly,
            IceUfrag = "abcd",
            IcePwd = "0123456789abcdef01234567",
            Setup = DtlsSetup.Passive,
            RtcpMux = true,
        };
        audio.Fingerprints.Add(Fingerprint);
        audio.Candidates.Add(new IceCandidate("1", 1, "udp", 2130706431, "192.0.2.1", 3478, "host") { Extensions = [new("generation", "0")] });
        audio.EndOfCandidates = true;
        audio.Extmaps.Add(new SdpExtmap(4, null, "urn:ietf:params:rtp-hdrext:sdes:mid"));
        var opus = new RtpCodec(111, "opus", 48000, 2, "minptime=10;useinbandfec=1");
        opus.Feedback.Add("transport-cc");
        audio.AddCodec(opus);
        session.Media.Add(audio);

        var video = new MediaDescription("video", 9, MediaDescription.RtpProtocol) { Mid = "1", Direction = MediaDirection.SendOnly, RtcpMux = true };
        video.AddCodec(new RtpCodec(96, "VP8", 90000));
        video.AddCodec(new RtpCodec(97, "rtx", 90000, null, "apt=96"));
        video.AddSendStream(1111, "cname1", "stream", "track", rtxSsrc: 2222);
        video.Rids.Add(new SdpRid("h", RidDirection.Recv));
        video.Simulcast = new SdpSimulcast(null, "h");
        session.Media.Add(video);
        return session;
    }

    [Fact]
    public void Built_description_is_written_in_canonical_order()
    {
        const string expected =
            "v=0\r\n" +
            "o=- 123456789 2 IN IP4 127.0.0.1\r\n" +
            "s=-\r\n" +
            "t=0 0\r\n" +
            "a=group:BUNDLE 0 1\r\n" +
            "a=extmap-allow-mixed\r\n" +
            "a=msid-semantic: WMS\r\n" +
            "a=ice-lite\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" +
            "c=IN IP4 0.0.0.0\r\n" +
            "a=candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host generation 0\r\n" +
            "a=end-of-candidates\r\n" +
            "a=ice-ufrag:abcd\r\n" +
            "a=ice-pwd:0123456789abcdef01234567\r\n" +
            "a=fingerprint:" + Fingerprint + "\r\n" +
            "a=setup:passive\r\n" +
            "a=mid:0\r\n" +
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
            "a=recvonly\r\n" +
            "a=rtcp-mux\r\n" +
            "a=rtpmap:111 opus/48000/2\r\n" +
            "a=rtcp-fb:111 transport-cc\r\n" +
            "a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n" +
            "a=mid:1\r\n" +
            "a=sendonly\r\n" +
            "a=msid:stream track\r\n" +
            "a=rtcp-mux\r\n" +
            "a=rtpmap:96 VP8/90000\r\n" +
            "a=rtpmap:97 rtx/90000\r\n" +
            "a=fmtp:97 apt=96\r\n" +
            "a=ssrc-group:FID 1111 2222\r\n" +
            "a=ssrc:1111 cname:cname1\r\n" +
            "a=ssrc:1111 msid:stream track\r\n" +
            "a=ssrc:2222 cname:cname1\r\n" +
            "a=ssrc:2222 msid:stream track\r\n" +
            "a=rid:h recv\r\n" +
            "a=simulcast:recv h\r\n";

        Assert.Equal(expected, BuildFromScratch().ToString());
    }

    [Fact]
    public void Built_description_parses_back_to_the_same_model()
    {
        var text = BuildFromScratch().ToString();

        var parsed = SessionDescription.Parse(text);

        Assert.Equal(text, parsed.ToString());
        Assert.True(parsed.IceLite);
        Assert.Equal(["0", "1"], parsed.BundleGroup!.Mids);
        var audio = parsed.FindMedia("0")!;
        Assert.Equal(MediaDirection.RecvOnly, audio.Direction);
        Assert.Equal(DtlsSetup.Passive, audio.Setup);
        Assert.True(audio.EndOfCandidates);
        Assert.Equal("192.0.2.1", Assert.Single(audio.Candidates).Address);
        Assert.Equal("minptime=10;useinbandfec=1", Assert.Single(audio.Codecs).Fmtp);
        var video = parsed.FindMedia("1")!;
        Assert.Equal(96, video.FindCodec(97)!.AssociatedPayloadType);
        Assert.Equal([1111u, 2222u], Assert.Single(video.SsrcGroups).Ssrcs);
        Assert.Equal(new SdpSimulcast(null, "h"), video.Simulcast);
    }

    [Fact]
    public void Edits_to_a_parsed_offer_are_applied_in_place()
    {
        var text = ChromiumOffers.Load(ChromiumOffers.SendOnly);
        var offer = SessionDescription.Parse(text);
        var video = offer.Media[1];

        video.Direction = MediaDirection.Inactive;
        video.Candidates.RemoveAt(1);
        video.Extmaps.RemoveAll(e => e.Id != 4);
        video.FindCodec(96)!.Feedback.Remove("goog-remb");
        offer.Media[0].Mid = "audio";
        offer.Groups[0].Mids[0] = "audio";
        var written = offer.ToString();

        var expected = text
            .Replace("a=group:BUNDLE 0 1", "a=group:BUNDLE audio 1", StringComparison.Ordinal)
            .Replace("a=mid:0\r\n", "a=mid:audio\r\n", StringComparison.Ordinal);
        var videoStart = expected.IndexOf("m=video", StringComparison.Ordinal);
        var videoPart = expected[videoStart..]
            .Replace("a=sendonly", "a=inactive", StringComparison.Ordinal)
            .Replace("a=candidate:2373547908 1 udp 2122063615 192.0.2.2 59149 typ host generation 0 network-id 1\r\n", string.Empty, StringComparison.Ordinal)
            .Replace("a=rtcp-fb:96 goog-remb\r\n", string.Empty, StringComparison.Ordinal);
        foreach (var line in videoPart.Split("\r\n"))
        {
            if (line.StartsWith("a=extmap:", StringComparison.Ordinal) && !line.StartsWith("a=extmap:4 ", StringComparison.Ordinal))
            {
                videoPart = videoPart.Replace(line + "\r\n", string.Empty, StringComparison.Ordinal);
            }
        }

        Assert.Equal(expected[..videoStart] + videoPart, written);
    }

    [Fact]
    public void Added_lines_go_after_their_canonical_predecessor()
    {
        var offer = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.DataChannel));
        var data = offer.Media[0];

        data.EndOfCandidates = true;
        data.Attributes.Add(new SdpAttribute("x-custom", "1"));
        var lines = offer.ToString().Split("\r\n");

        var last = Array.FindLastIndex(lines, l => l.StartsWith("a=candidate:", StringComparison.Ordinal));
        Assert.Equal("a=end-of-candidates", lines[last + 1]);
        Assert.Equal("a=ice-ufrag:lnS7", lines[last + 2]);
        Assert.Equal(["a=max-message-size:262144", "a=x-custom:1", string.Empty], lines[^3..]);
    }

    [Fact]
    public void Absent_direction_is_not_added_on_write()
    {
        const string text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n";
        var description = SessionDescription.Parse(text);

        Assert.Equal(MediaDirection.SendRecv, description.Media[0].Direction);
        Assert.Equal(text, description.ToString());
    }

    [Fact]
    public void Lf_only_input_is_written_with_crlf()
    {
        var description = SessionDescription.Parse("v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nb=AS:30\nm=audio 9 RTP/AVP 0 8\nb=AS:64\n");

        Assert.Equal("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nb=AS:30\r\nm=audio 9 RTP/AVP 0 8\r\nb=AS:64\r\n", description.ToString());
        Assert.Equal([new SdpLine('b', "AS:30")], description.OtherLines);
        Assert.Empty(description.Media[0].Codecs);
    }

    [Fact]
    public void Other_orders_and_spellings_round_trip_exactly()
    {
        // Firefox-style layout (hand-written, not captured): session-level transport attributes, extmap directions,
        // upper-case transport, no trailing CRLF normalisation issues inside lines.
        const string text =
            "v=0\r\n" +
            "o=mozilla...THIS_IS_SDPARTA-99.0 5219862823838744146 0 IN IP4 0.0.0.0\r\n" +
            "s=-\r\n" +
            "t=0 0\r\n" +
            "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
            "a=group:BUNDLE 0\r\n" +
            "a=ice-options:trickle\r\n" +
            "a=msid-semantic:WMS *\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 109 0\r\n" +
            "c=IN IP4 0.0.0.0\r\n" +
            "a=candidate:0 1 UDP 2122252543 192.0.2.3 50000 typ host\r\n" +
            "a=sendrecv\r\n" +
            "a=end-of-candidates\r\n" +
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
            "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n" +
            "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n" +
            "a=ice-pwd:0123456789abcdef01234567\r\n" +
            "a=ice-ufrag:abcd\r\n" +
            "a=mid:0\r\n" +
            "a=msid:{5f3b} {7a1c}\r\n" +
            "a=rtcp-mux\r\n" +
            "a=rtpmap:109 opus/48000/2\r\n" +
            "a=rtpmap:0 PCMU/8000\r\n" +
            "a=setup:actpass\r\n" +
            "a=ssrc:1234 cname:{9d2e}\r\n";

        var description = SessionDescription.Parse(text);

        Assert.Equal(text, description.ToString());
        Assert.Equal("WMS *", description.MsidSemantic);
        Assert.Equal("trickle", description.IceOptions);
        Assert.Single(description.Fingerprints);
        var audio = description.Media[0];
        Assert.Equal(MediaDirection.SendRecv, audio.Direction);
        Assert.True(audio.HasDirection);
        Assert.Equal(MediaDirection.RecvOnly, audio.Extmaps[1].Direction);
        Assert.Equal("maxplaybackrate=48000;stereo=1;useinbandfec=1", audio.FindCodec(109)!.Fmtp);
        Assert.Equal("UDP", audio.Candidates[0].Transport);

        audio.Extmaps[1] = audio.Extmaps[1] with { Direction = MediaDirection.SendRecv };
        Assert.Equal(
            text.Replace("a=extmap:2/recvonly urn", "a=extmap:2/sendrecv urn", StringComparison.Ordinal),
            description.ToString());
    }
}
