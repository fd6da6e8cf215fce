using System.Buffers.Binary;
using System.Net;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Srtp;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Tests.Transport;

/// <summary>
/// Every session of a node shares one UDP port: datagrams are routed by the USERNAME ufrag of binding
/// requests, then by remote address. Two clients on one server port each see only their own media, and a
/// restart of one session's ICE leaves both flowing.
/// </summary>
public sealed class SharedPortTests
{
    [Fact]
    public async Task Two_sessions_on_one_port_each_get_only_their_own_packets()
    {
        using var serverMux = new UdpMux(new IPEndPoint(IPAddress.Loopback, 0));
        using var first = new LoopbackPair([SrtpProfile.AeadAes128Gcm], sharedServerMux: serverMux);
        using var second = new LoopbackPair([SrtpProfile.Aes128CmHmacSha1_80], sharedServerMux: serverMux);
        await Task.WhenAll(first.ConnectAsync(), second.ConnectAsync());
        Assert.Equal(2, serverMux.Transports.Length);

        for (ushort i = 0; i < 100; i++)
        {
            LoopbackPair.Send(first.Client, LoopbackPair.MakeRtp(0xAAAA, i), rtcp: false);
            LoopbackPair.Send(second.Client, LoopbackPair.MakeRtp(0xBBBB, i), rtcp: false);
            LoopbackPair.Send(first.Server, LoopbackPair.MakeRtp(0xCCCC, i), rtcp: false);
            LoopbackPair.Send(second.Server, LoopbackPair.MakeRtp(0xDDDD, i), rtcp: false);
        }

        await LoopbackPair.WaitForCount(first.ServerReceivedRtp, 100, "first session at the server");
        await LoopbackPair.WaitForCount(second.ServerReceivedRtp, 100, "second session at the server");
        await LoopbackPair.WaitForCount(first.ClientReceivedRtp, 100, "first client");
        await LoopbackPair.WaitForCount(second.ClientReceivedRtp, 100, "second client");
        Assert.All(first.ServerReceivedRtp, p => Assert.Equal(LoopbackPair.MakeRtp(0xAAAA, Seq(p)), p));
        Assert.All(second.ServerReceivedRtp, p => Assert.Equal(LoopbackPair.MakeRtp(0xBBBB, Seq(p)), p));
        Assert.All(first.ClientReceivedRtp, p => Assert.Equal(LoopbackPair.MakeRtp(0xCCCC, Seq(p)), p));
        Assert.All(second.ClientReceivedRtp, p => Assert.Equal(LoopbackPair.MakeRtp(0xDDDD, Seq(p)), p));

        // Ending one session leaves the other whole.
        first.Client.Dispose();
        first.Server.Dispose();
        LoopbackPair.Send(second.Client, LoopbackPair.MakeRtp(0xBBBB, 100), rtcp: false);
        await LoopbackPair.WaitForCount(second.ServerReceivedRtp, 101, "second session after the first ended");
        Assert.Single(serverMux.Transports);
    }

    [Fact]
    public async Task Media_keeps_flowing_across_an_ice_restart()
    {
        using var pair = new LoopbackPair([SrtpProfile.AeadAes128Gcm]);
        await pair.ConnectAsync();
        LoopbackPair.Send(pair.Client, LoopbackPair.MakeRtp(0x1111, 0), rtcp: false);
        await LoopbackPair.WaitForCount(pair.ServerReceivedRtp, 1, "RTP before the restart");

        // New credentials on both sides, as an offer/answer exchange with ice-restart would bring them.
        var serverIce = IceParameters.Generate();
        var clientIce = IceParameters.Generate();
        pair.Server.RestartIce(serverIce, clientIce);
        Assert.True(pair.Server.IceRestartPending);
        pair.Client.RestartIce(clientIce, serverIce);

        Assert.Equal(serverIce.UsernameFragment, pair.Server.LocalIce.UsernameFragment);
        for (ushort i = 1; i <= 50; i++)
        {
            LoopbackPair.Send(pair.Client, LoopbackPair.MakeRtp(0x1111, i), rtcp: false);
            LoopbackPair.Send(pair.Server, LoopbackPair.MakeRtp(0x2222, i), rtcp: false);
        }

        await LoopbackPair.WaitForCount(pair.ServerReceivedRtp, 51, "RTP at the server after the restart");
        await LoopbackPair.WaitForCount(pair.ClientReceivedRtp, 50, "RTP at the client after the restart");

        // The client's check with the new credentials authenticated at the server: the restart is complete.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (pair.Server.IceRestartPending && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.False(pair.Server.IceRestartPending);
        Assert.Equal(IceState.Connected, pair.Server.IceState);
        Assert.Equal(IceState.Connected, pair.Client.IceState);
        Assert.Equal(0, pair.ServerMux.Stats.DroppedUnknownSource);
    }

    private static ushort Seq(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));
}
