using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Srtp;
using Sluice.Rtc.Transport;

using Sluice.Testing;

namespace Sluice.Rtc.Tests.Transport;

/// <summary>
/// Our controlling agent and our ICE-lite endpoint over real UDP on 127.0.0.1: ICE, DTLS, then SRTP and
/// SRTCP both ways, under each SRTP profile.
/// </summary>
public sealed class LoopbackTests
{
    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_80)]
    public async Task Client_and_server_exchange_srtp_and_srtcp_both_ways(SrtpProfile serverProfile)
    {
        using var pair = new LoopbackPair([serverProfile]);
        await pair.ConnectAsync();

        Assert.Equal(serverProfile, pair.Server.SrtpProfile);
        Assert.Equal(serverProfile, pair.Client.SrtpProfile);
        Assert.Equal(IceState.Connected, pair.Server.IceState);
        Assert.Equal(DtlsState.Connected, pair.Client.DtlsState);

        const int count = 200;
        for (ushort i = 0; i < count; i++)
        {
            LoopbackPair.Send(pair.Client, LoopbackPair.MakeRtp(0x1111, (ushort)(65500 + i)), rtcp: false);
            LoopbackPair.Send(pair.Server, LoopbackPair.MakeRtp(0x2222, i), rtcp: false);
            if (i % 20 == 0)
            {
                LoopbackPair.Send(pair.Client, LoopbackPair.MakeSenderReport(0x1111, i), rtcp: true);
                LoopbackPair.Send(pair.Server, LoopbackPair.MakeSenderReport(0x2222, i), rtcp: true);
            }
        }

        await LoopbackPair.WaitForCount(pair.ServerReceivedRtp, count, "RTP at the server");
        await LoopbackPair.WaitForCount(pair.ClientReceivedRtp, count, "RTP at the client");
        await LoopbackPair.WaitForCount(pair.ServerReceivedRtcp, count / 20, "RTCP at the server");
        await LoopbackPair.WaitForCount(pair.ClientReceivedRtcp, count / 20, "RTCP at the client");

        // Loopback keeps order: every packet arrives intact, across the sequence-number wrap too.
        var serverGot = pair.ServerReceivedRtp.ToArray();
        var clientGot = pair.ClientReceivedRtp.ToArray();
        for (ushort i = 0; i < count; i++)
        {
            Assert.Equal(LoopbackPair.MakeRtp(0x1111, (ushort)(65500 + i)), serverGot[i]);
            Assert.Equal(LoopbackPair.MakeRtp(0x2222, i), clientGot[i]);
        }

        Assert.Equal(LoopbackPair.MakeSenderReport(0x1111, 20), pair.ServerReceivedRtcp.ToArray()[1]);
        Assert.Equal(LoopbackPair.MakeSenderReport(0x2222, 40), pair.ClientReceivedRtcp.ToArray()[2]);
        Assert.Equal(0, pair.Server.Stats.SrtpAuthenticationFailures);
        Assert.Equal(0, pair.Client.Stats.SrtpAuthenticationFailures);
    }

    [Fact]
    public async Task A_client_whose_certificate_does_not_match_the_fingerprint_is_refused()
    {
        using var stranger = DtlsCertificate.Generate();
        using var pair = new LoopbackPair([SrtpProfile.AeadAes128Gcm], serverExpectsFingerprint: stranger.Fingerprint);
        var serverFailed = Await.State(pair.Server, TransportState.Failed);

        pair.ServerMux.Start();
        pair.ClientMux.Start();
        pair.Server.Start();
        pair.Client.Start();

        await Await.WithTimeout(serverFailed, TimeSpan.FromSeconds(10), "the server to refuse the client");
        Assert.Contains("fingerprint", pair.Server.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(TransportState.Connected, pair.Client.State);
        Assert.False(pair.Server.SendRtp(new byte[100], 12));
    }

    [Fact]
    public async Task Closing_one_side_tells_the_other_with_close_notify()
    {
        using var pair = new LoopbackPair([SrtpProfile.AeadAes128Gcm]);
        await pair.ConnectAsync();
        var serverClosed = Await.State(pair.Server, TransportState.Closed);

        pair.Client.Dispose();

        await Await.WithTimeout(serverClosed, TimeSpan.FromSeconds(5), "close_notify to reach the server");
    }
}
