using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>RFC 8839 §5.1 candidate attribute, with the RFC 6544 §4.5 tcptype and Chromium's extensions.</summary>
public class IceCandidateTests
{
    [Theory]
    [InlineData("candidate:842163049 1 udp 1677729535 192.0.2.10 46154 typ srflx raddr 192.0.2.2 rport 46154 generation 0 ufrag EsAw network-id 1 network-cost 10")]
    [InlineData("candidate:3 1 UDP 92151295 198.51.100.7 61234 typ relay raddr 192.0.2.2 rport 51234")]
    [InlineData("candidate:1 2 tcp 1518214911 127.0.0.1 9 typ host tcptype active generation 0 network-id 3 network-cost 50")]
    [InlineData("candidate:a+b/c 1 udp 2122260223 3d4c8f6e-1c2a-4e9d-8f0a-7f1f2c3d4e5f.local 50001 typ host generation 0")]
    public void Parse_then_ToString_round_trips(string text)
    {
        Assert.True(IceCandidate.TryParse(text, out var candidate));

        Assert.Equal(text, candidate!.ToString());
    }

    [Fact]
    public void Server_reflexive_candidate_fields()
    {
        Assert.True(IceCandidate.TryParse(
            "a=candidate:842163049 1 udp 1677729535 192.0.2.10 46154 typ srflx raddr 192.0.2.2 rport 46154 generation 0 ufrag EsAw network-id 1 network-cost 10",
            out var c));

        Assert.Equal("842163049", c!.Foundation);
        Assert.Equal(1, c.Component);
        Assert.Equal("udp", c.Transport);
        Assert.Equal(1677729535u, c.Priority);
        Assert.Equal(("192.0.2.10", 46154, "srflx"), (c.Address, c.Port, c.Type));
        Assert.Equal(("192.0.2.2", (int?)46154), (c.RelatedAddress, c.RelatedPort));
        Assert.Equal("EsAw", c.GetExtension("ufrag"));
        Assert.Equal((0, 1, 10), (c.Generation, c.NetworkId, c.NetworkCost));
    }

    [Fact]
    public void Prefix_is_optional()
    {
        Assert.True(IceCandidate.TryParse("1 1 udp 2130706431 192.0.2.1 3478 typ host", out var c));

        Assert.Equal("candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host", c!.ToString());
    }

    [Theory]
    [InlineData("candidate:1 1 udp 2130706431 192.0.2.1 3478 typ")]
    [InlineData("candidate:1 0 udp 2130706431 192.0.2.1 3478 typ host")]
    [InlineData("candidate:1 1 udp 4294967296 192.0.2.1 3478 typ host")]
    [InlineData("candidate:1 1 udp 1 192.0.2.1 3478 typ host raddr")]
    [InlineData("candidate:1 1 udp 1 192.0.2.1 3478 typ srflx rport x")]
    [InlineData("candidate:bad! 1 udp 1 192.0.2.1 3478 typ host")]
    [InlineData("")]
    public void Invalid_candidates_are_rejected(string text)
    {
        Assert.False(IceCandidate.TryParse(text, out var candidate, out var error));
        Assert.Null(candidate);
        Assert.StartsWith("a=candidate: ", error, StringComparison.Ordinal);
    }
}
