using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>Real Chromium 156 offers: exact round trip and the typed view of them.</summary>
public class ChromiumOfferTests
{
    public static TheoryData<string> Offers => new(ChromiumOffers.All);

    [Theory]
    [MemberData(nameof(Offers))]
    public void Parse_then_ToString_is_byte_exact(string name)
    {
        var text = ChromiumOffers.Load(name);
        Assert.Contains("\r\n", text);

        var description = SessionDescription.Parse(text);

        Assert.Equal(text, description.ToString());
    }

    [Fact]
    public void SendOnly_offer_session_level()
    {
        var offer = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.SendOnly));

        Assert.Equal("4010754351339757925", offer.Origin.SessionId);
        Assert.Equal(2UL, offer.Origin.SessionVersion);
        Assert.Equal("-", offer.SessionName);
        Assert.Equal("0 0", offer.Timing);
        var bundle = Assert.Single(offer.Groups);
        Assert.Equal("BUNDLE", bundle.Semantics);
        Assert.Equal(["0", "1"], bundle.Mids);
        Assert.True(offer.ExtmapAllowMixed);
        Assert.Equal("WMS 6f58ece6-32cb-4085-af80-54202d354015", offer.MsidSemantic);
        Assert.False(offer.IceLite);
        Assert.Null(offer.IceUfrag);
        Assert.Equal(2, offer.Media.Count);
    }

    [Fact]
    public void SendOnly_offer_audio_section()
    {
        var audio = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.SendOnly)).Media[0];

        Assert.Equal("audio", audio.Kind);
        Assert.Equal(54269, audio.Port);
        Assert.Equal("UDP/TLS/RTP/SAVPF", audio.Protocol);
        Assert.Equal(["111", "63", "9", "0", "8", "13", "110", "126"], audio.Formats);
        Assert.Equal("IN IP4 127.0.0.1", audio.Connection);
        Assert.Equal("0", audio.Mid);
        Assert.Equal(MediaDirection.SendOnly, audio.Direction);
        Assert.Equal("ts4S", audio.IceUfrag);
        Assert.Equal("j+aJxI9YNi71KsL6+5db80Aw", audio.IcePwd);
        Assert.Equal("trickle", audio.IceOptions);
        Assert.Equal(["sha-256 2D:18:19:28:BF:DA:A6:25:C2:E4:21:28:4B:01:BF:66:42:B6:4A:FB:46:A2:69:ED:33:88:66:F0:CA:B9:BA:6B"], audio.Fingerprints);
        Assert.Equal(DtlsSetup.ActPass, audio.Setup);
        Assert.True(audio.RtcpMux);
        Assert.False(audio.RtcpMuxOnly);
        Assert.True(audio.RtcpRsize);

        Assert.Equal([111, 63, 9, 0, 8, 13, 110, 126], audio.Codecs.Select(c => c.PayloadType));
        var opus = audio.Codecs[0];
        Assert.Equal(("opus", 48000, (int?)2), (opus.Name, opus.ClockRate, opus.Channels));
        Assert.Equal("minptime=10;useinbandfec=1", opus.Fmtp);
        Assert.Equal("1", opus.GetParameter("useinbandfec"));
        Assert.Equal(["transport-cc"], opus.Feedback);
        Assert.Equal("111/111", audio.Codecs[1].Fmtp);
        Assert.Equal(("PCMU", 8000, (int?)null), (audio.Codecs[3].Name, audio.Codecs[3].ClockRate, audio.Codecs[3].Channels));

        Assert.Equal(
            [(1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"), (2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
             (3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"), (4, "urn:ietf:params:rtp-hdrext:sdes:mid")],
            audio.Extmaps.Select(e => (e.Id, e.Uri)));
        Assert.All(audio.Extmaps, e => Assert.Null(e.Direction));

        Assert.Equal(new SdpMsid("6f58ece6-32cb-4085-af80-54202d354015", "d7b105fc-a369-444f-9759-1c484290571e"), audio.Msid);
        Assert.Equal(
            [new SdpSsrc(1768918411, "cname", "RgLz9dV/mw146RFl"),
             new SdpSsrc(1768918411, "msid", "6f58ece6-32cb-4085-af80-54202d354015 d7b105fc-a369-444f-9759-1c484290571e")],
            audio.Ssrcs);
        Assert.Equal([new SdpAttribute("rtcp", "9 IN IP4 0.0.0.0"), new SdpAttribute("rtcp-xr", "rcvr-rtt=all")], audio.Attributes);
    }

    [Fact]
    public void SendOnly_offer_candidates_with_extensions()
    {
        var audio = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.SendOnly)).Media[0];

        Assert.Equal(8, audio.Candidates.Count);
        Assert.False(audio.EndOfCandidates);
        var loopback = audio.Candidates[0];
        Assert.Equal(("591718408", 1, "udp", 2122194687u, "127.0.0.1", 54269, "host"),
            (loopback.Foundation, loopback.Component, loopback.Transport, loopback.Priority, loopback.Address, loopback.Port, loopback.Type));
        Assert.Equal([new("generation", "0"), new("network-id", "3"), new("network-cost", "50")], loopback.Extensions);
        Assert.Equal((0, 3, 50), (loopback.Generation, loopback.NetworkId, loopback.NetworkCost));
        Assert.Null(loopback.TcpType);

        var ipv6 = audio.Candidates[3];
        Assert.Equal("2001:db8::2", ipv6.Address);
        Assert.Null(ipv6.NetworkCost);

        var tcp = audio.Candidates[4];
        Assert.Equal(("tcp", 9, "active"), (tcp.Transport, tcp.Port, tcp.TcpType));
        Assert.Equal("candidate:1569393296 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active generation 0 network-id 3 network-cost 50", tcp.ToString());
    }

    [Fact]
    public void SendOnly_offer_video_codecs_rtx_and_ssrc_group()
    {
        var video = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.SendOnly)).Media[1];

        Assert.Equal("1", video.Mid);
        Assert.Equal(MediaDirection.SendOnly, video.Direction);
        Assert.Equal(video.Formats, video.Codecs.Select(c => c.PayloadType.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var vp8 = video.FindCodec(96)!;
        Assert.Equal(("VP8", 90000), (vp8.Name, vp8.ClockRate));
        Assert.Null(vp8.Fmtp);
        Assert.Equal(["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"], vp8.Feedback);
        var rtx = video.FindCodec(97)!;
        Assert.True(rtx.IsRtx);
        Assert.Equal(96, rtx.AssociatedPayloadType);
        Assert.Empty(rtx.Feedback);

        var h264 = video.FindCodec(108)!;
        Assert.Equal("42e01f", h264.GetParameter("profile-level-id"));
        Assert.Equal("1", h264.GetParameter("packetization-mode"));
        Assert.Equal("profile-id=2", video.FindCodec(100)!.Fmtp);
        Assert.Equal("level-idx=5;profile=0;tier=0", video.FindCodec(45)!.Fmtp);
        Assert.Equal(118, video.FindCodec(119)!.AssociatedPayloadType);

        Assert.Equal(11, video.Extmaps.Count);
        Assert.Equal((14, "urn:ietf:params:rtp-hdrext:toffset"), (video.Extmaps[0].Id, video.Extmaps[0].Uri));

        var fid = Assert.Single(video.SsrcGroups);
        Assert.Equal("FID", fid.Semantics);
        Assert.Equal([593597072u, 3396407036u], fid.Ssrcs);
        Assert.Equal(4, video.Ssrcs.Count);
        Assert.Equal("8eca8a1c-edca-45a7-9c85-9dbe55ddc085", video.Msid!.TrackId);
    }

    [Fact]
    public void RecvOnly_offer_has_no_send_streams()
    {
        var offer = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.RecvOnly));

        Assert.Equal("WMS", offer.MsidSemantic);
        Assert.All(offer.Media, m =>
        {
            Assert.Equal(MediaDirection.RecvOnly, m.Direction);
            Assert.Null(m.Msid);
            Assert.Empty(m.Ssrcs);
            Assert.Equal("2bl+", m.IceUfrag);
        });
        var video = offer.Media[1];
        Assert.Equal(34, video.Codecs.Count);
        Assert.Equal("repair-window=10000000", video.FindCodec(49)!.Fmtp);
        Assert.Equal("flexfec-03", video.FindCodec(49)!.Name);
    }

    [Fact]
    public void Simulcast_offer_rids_and_simulcast()
    {
        var video = Assert.Single(SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.Simulcast)).Media);

        Assert.Equal(["96", "97"], video.Formats);
        Assert.Equal([new SdpRid("q", RidDirection.Send), new SdpRid("h", RidDirection.Send), new SdpRid("f", RidDirection.Send)], video.Rids);
        Assert.Equal(new SdpSimulcast("q;h;f", null), video.Simulcast);
        Assert.Equal(["q", "h", "f"], video.Simulcast!.SendStreams.Select(s => Assert.Single(s)));
        Assert.Empty(video.Simulcast.RecvStreams);
        Assert.Empty(video.Ssrcs);
        Assert.Contains(video.Extmaps, e => e is { Id: 10, Uri: "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id" });
        Assert.Contains(video.Extmaps, e => e is { Id: 13, Uri: "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension" });
    }

    [Fact]
    public void DataChannel_offer_sctp()
    {
        var offer = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.DataChannel));
        var data = Assert.Single(offer.Media);

        Assert.Equal(("application", 55999, "UDP/DTLS/SCTP"), (data.Kind, data.Port, data.Protocol));
        Assert.Equal(["webrtc-datachannel"], data.Formats);
        Assert.Equal(5000, data.SctpPort);
        Assert.Equal(262144, data.MaxMessageSize);
        Assert.Empty(data.Codecs);
        Assert.False(data.HasDirection);
        Assert.Equal(MediaDirection.SendRecv, data.Direction);
        Assert.Equal("lnS7", data.IceUfrag);
        Assert.Equal(8, data.Candidates.Count);
    }
}
