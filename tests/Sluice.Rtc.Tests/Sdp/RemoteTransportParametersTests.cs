using Sluice.Rtc.Dtls;
using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>
/// The peer's transport parameters from an SDP: ICE credentials (RFC 8839 §5.4), fingerprint (RFC 8122 §5), setup
/// (RFC 8842 §5); media level first, session level as the fallback.
/// </summary>
public sealed class RemoteTransportParametersTests
{
    private const string Sha256 = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    private const string Sha1 = "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33";

    private const string Head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

    private static string Audio(string mid, int port = 9) =>
        $"m=audio {port} UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:{mid}\r\na=rtpmap:111 opus/48000/2\r\n";

    private static SessionDescription Parse(string text)
    {
        Assert.True(SessionDescription.TryParse(text, out var description, out var error), error);
        return description!;
    }

    [Fact]
    public void Media_level_values_win_over_the_session_level()
    {
        var description = Parse(Head + "a=ice-ufrag:sess\r\na=ice-pwd:session-password-0123456789\r\na=fingerprint:" + Sha256 + "\r\na=setup:actpass\r\n"
            + Audio("0") + "a=ice-ufrag:med1\r\na=ice-pwd:media-password-0123456789\r\na=setup:passive\r\n"
            + "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n"
            + Audio("1") + "a=candidate:2 1 udp 2130706431 127.0.0.1 5002 typ host\r\n");

        Assert.True(RemoteTransportParameters.TryRead(description, out var remote, out var error), error);
        Assert.Equal("med1", remote.Ice.UsernameFragment);
        Assert.Equal("media-password-0123456789", remote.Ice.Password);
        Assert.Equal(DtlsSetup.Passive, remote.Setup);
        Assert.Equal(DtlsHashAlgorithm.Sha256, remote.Fingerprint.Algorithm);
        Assert.Equal([5000, 5002], remote.Candidates.Select(c => c.Port));

        // The second section states nothing of its own: the session level answers for it.
        Assert.True(RemoteTransportParameters.TryRead(description, description.Media[1], out var second, out _));
        Assert.Equal("sess", second.Ice.UsernameFragment);
        Assert.Equal(DtlsSetup.ActPass, second.Setup);
    }

    [Fact]
    public void The_first_accepted_section_is_the_transport_and_sha256_is_preferred()
    {
        var description = Parse(Head + Audio("0", port: 0)
            + Audio("1") + "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\na=fingerprint:" + Sha1 + "\r\na=fingerprint:" + Sha256 + "\r\n");

        Assert.True(RemoteTransportParameters.TryRead(description, out var remote, out _));
        Assert.Equal("abcd", remote.Ice.UsernameFragment);
        Assert.Equal(DtlsHashAlgorithm.Sha256, remote.Fingerprint.Algorithm);
        Assert.Null(remote.Setup);
    }

    [Theory]
    [InlineData("a=ice-pwd:0123456789abcdef01234567\r\na=fingerprint:" + Sha256 + "\r\n", "m=audio (mid 0) has no a=ice-ufrag/a=ice-pwd")]
    [InlineData("a=ice-ufrag:abcd\r\na=fingerprint:" + Sha256 + "\r\n", "m=audio (mid 0) has no a=ice-ufrag/a=ice-pwd")]
    [InlineData("a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\n", "m=audio (mid 0) has no usable a=fingerprint (sha-256 expected, RFC 8122)")]
    [InlineData("a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\na=fingerprint:md9 00:11\r\n", "m=audio (mid 0) has no usable a=fingerprint (sha-256 expected, RFC 8122)")]
    public void Something_missing_is_a_clear_error(string attributes, string expected)
    {
        var description = Parse(Head + Audio("0") + attributes);

        Assert.False(RemoteTransportParameters.TryRead(description, out var remote, out var error));
        Assert.Null(remote);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void No_accepted_section_is_a_clear_error()
    {
        Assert.False(RemoteTransportParameters.TryRead(Parse(Head + Audio("0", port: 0)), out _, out var error));
        Assert.Contains("port 0", error, StringComparison.Ordinal);
    }
}
