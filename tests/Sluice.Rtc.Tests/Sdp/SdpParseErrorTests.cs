using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>Malformed input is rejected with the line number and what is wrong (RFC 8866 §5 grammar).</summary>
public class SdpParseErrorTests
{
    private const string Head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    private const string Audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

    public static TheoryData<string, string> Cases => new()
    {
        { string.Empty, "line 1: missing v=0 line (the description is empty)" },
        { "o=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 1: expected 'v=0' as the first line, found 'o=- 1 2 IN IP4 127.0.0.1'" },
        { "v=1\r\n", "line 1: expected 'v=0' as the first line, found 'v=1'" },
        { "v=0\r\ns=-\r\nt=0 0\r\n", "line 3: missing o= line" },
        { "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n" + Audio, "line 4: missing t= line" },
        { "v=0\r\no=- 1 2 IN IP4\r\ns=-\r\nt=0 0\r\n", "line 2: o= expects 6 fields (username sess-id sess-version nettype addrtype address), found 5" },
        { "v=0\r\no=- 1 x IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 2: o= session version 'x' is not a number" },
        { Head + "hello\r\n", "line 5: expected '<letter>=<value>', found 'hello'" },
        { Head + "\r\n" + Audio, "line 5: empty line" },
        { Head + "m=audio 9\r\n", "line 5: m= line needs media, port, protocol and at least one format, found 'm=audio 9'" },
        { Head + "m=audio 9 UDP/TLS/RTP/SAVPF\r\n", "line 5: m= line needs media, port, protocol and at least one format, found 'm=audio 9 UDP/TLS/RTP/SAVPF'" },
        { Head + "m=audio x UDP/TLS/RTP/SAVPF 111\r\n", "line 5: m= port 'x' is not a number between 0 and 65535" },
        { Head + "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", "line 5: m= port '70000' is not a number between 0 and 65535" },
        { Head + "m=audio -1 UDP/TLS/RTP/SAVPF 111\r\n", "line 5: m= port '-1' is not a number between 0 and 65535" },
        { Head + Audio + "a=rtpmap:x opus/48000/2\r\n", "line 6: a=rtpmap: payload type 'x' is not a number between 0 and 127" },
        { Head + Audio + "a=rtpmap:111\r\n", "line 6: a=rtpmap: expected '<payload type> <encoding name>/<clock rate>'" },
        { Head + Audio + "a=rtpmap:111 opus\r\n", "line 6: a=rtpmap: encoding 'opus' is not '<name>/<clock rate>[/<channels>]'" },
        { Head + Audio + "a=rtpmap:111 opus/fast/2\r\n", "line 6: a=rtpmap: clock rate 'fast' is not a number" },
        { Head + Audio + "a=rtpmap:111 opus/48000/2\r\na=rtpmap:111 opus/48000/2\r\n", "line 7: duplicate a=rtpmap for payload type 111" },
        { Head + Audio + "a=fmtp:111 a=1\r\na=fmtp:111 b=2\r\n", "line 7: duplicate a=fmtp for payload type 111" },
        { Head + Audio + "a=rtcp-fb:111\r\n", "line 6: a=rtcp-fb: missing feedback type after the payload type" },
        { Head + Audio + "a=candidate:1 1 udp 2122194687 127.0.0.1 54269\r\n", "line 6: a=candidate: expected at least 8 fields (foundation component transport priority address port typ type), found 6" },
        { Head + Audio + "a=candidate:1 1 udp 2122194687 127.0.0.1 54269 type host\r\n", "line 6: a=candidate: expected 'typ' after the port, found 'type'" },
        { Head + Audio + "a=candidate:1 1 udp 2122194687 127.0.0.1 port typ host\r\n", "line 6: a=candidate: port 'port' is not a number between 0 and 65535" },
        { Head + Audio + "a=candidate:1 1 udp 2122194687 127.0.0.1 9 typ srflx raddr 0.0.0.0 rport\r\n", "line 6: a=candidate: extension 'rport' has no value" },
        { Head + Audio + "a=mid:0\r\na=mid:1\r\n", "line 7: duplicate a=mid" },
        { Head + Audio + "a=mid\r\n", "line 6: a=mid: missing value" },
        { Head + Audio + "a=sendonly\r\na=recvonly\r\n", "line 7: a=recvonly conflicts with the earlier a=sendonly" },
        { Head + Audio + "a=setup:both\r\n", "line 6: a=setup: 'both' is not active, passive, actpass or holdconn" },
        { Head + Audio + "a=fingerprint:sha-256\r\n", "line 6: a=fingerprint: expected '<hash function> <fingerprint>'" },
        { Head + Audio + "a=ice-ufrag:a\r\na=ice-ufrag:b\r\n", "line 7: duplicate a=ice-ufrag" },
        { Head + Audio + "a=extmap:0 urn:x\r\n", "line 6: a=extmap: id '0' is not a number between 1 and 255" },
        { Head + Audio + "a=extmap:1/sideways urn:x\r\n", "line 6: a=extmap: direction 'sideways' is not sendrecv, sendonly, recvonly or inactive" },
        { Head + Audio + "a=extmap:1\r\n", "line 6: a=extmap: missing the extension URI" },
        { Head + Audio + "a=ssrc:abc cname:x\r\n", "line 6: a=ssrc: 'abc' is not a 32-bit SSRC" },
        { Head + Audio + "a=ssrc:4294967296 cname:x\r\n", "line 6: a=ssrc: '4294967296' is not a 32-bit SSRC" },
        { Head + Audio + "a=ssrc:1\r\n", "line 6: a=ssrc: missing the source attribute after the SSRC" },
        { Head + Audio + "a=ssrc-group:FID 1 x\r\n", "line 6: a=ssrc-group: 'x' is not a 32-bit SSRC" },
        { Head + Audio + "a=rid:q sideways\r\n", "line 6: a=rid: expected '<rid> send|recv [<restrictions>]'" },
        { Head + Audio + "a=simulcast:send\r\n", "line 6: a=simulcast: expected 'send <streams>' and/or 'recv <streams>'" },
        { Head + Audio + "a=simulcast:send a send b\r\n", "line 6: a=simulcast: expected 'send <streams>' and/or 'recv <streams>'" },
        { Head + Audio + "a=sctp-port:x\r\n", "line 6: a=sctp-port: 'x' is not a number between 0 and 65535" },
        { Head + Audio + "a=max-message-size:-5\r\n", "line 6: a=max-message-size: '-5' is not a number" },
        { Head + Audio + "a=msid:a b c\r\n", "line 6: a=msid: expected '<stream id> [<track id>]'" },
        { Head + Audio + "a=:x\r\n", "line 6: a= line has no attribute name" },
        { Head + Audio + "t=0 0\r\n", "line 6: t= is not allowed in a media section" },
        { Head + Audio + "a=x\0y\r\n", "line 6: contains a NUL or CR character" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Malformed_input_is_rejected_with_a_line_numbered_message(string text, string expected)
    {
        Assert.False(SessionDescription.TryParse(text, out var description, out var error));
        Assert.Null(description);
        Assert.Equal(expected, error);

        var thrown = Assert.Throws<SdpParseException>(() => SessionDescription.Parse(text));
        Assert.Equal(expected, thrown.Message);
        Assert.IsAssignableFrom<FormatException>(thrown);
    }

    [Fact]
    public void Wildcard_and_non_numeric_format_parameters_are_kept_as_attributes()
    {
        var text = Head + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=rtcp-fb:* nack\r\na=fmtp:webrtc-datachannel max-message-size=1000\r\na=fmtp:100 x=1\r\n";

        var description = SessionDescription.Parse(text);

        Assert.Equal(
            [new SdpAttribute("rtcp-fb", "* nack"), new SdpAttribute("fmtp", "webrtc-datachannel max-message-size=1000"), new SdpAttribute("fmtp", "100 x=1")],
            description.Media[0].Attributes);
        Assert.Equal(text, description.ToString());
    }

    [Fact]
    public void Fmtp_before_its_rtpmap_still_attaches_to_the_codec()
    {
        var text = Head + "m=video 9 UDP/TLS/RTP/SAVPF 97 96\r\na=fmtp:97 apt=96\r\na=rtcp-fb:96 nack\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n";

        var video = SessionDescription.Parse(text).Media[0];

        Assert.Equal([97, 96], video.Codecs.Select(c => c.PayloadType));
        Assert.Equal(96, video.Codecs[0].AssociatedPayloadType);
        Assert.Equal(["nack"], video.Codecs[1].Feedback);
        Assert.Empty(video.Attributes);
    }
}
