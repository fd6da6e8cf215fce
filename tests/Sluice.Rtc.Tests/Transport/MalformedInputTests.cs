using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sluice.Rtc.Srtp;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Tests.Transport;

/// <summary>
/// Bad input on the shared media port is dropped and counted; it never throws and never disturbs a
/// session. 10,000 random and truncated datagrams that look like STUN, DTLS and RTP are sprayed at the
/// port while a session exchanges SRTP, and the session loses nothing.
/// </summary>
public sealed class MalformedInputTests
{
    private const int SprayCount = 10_000;
    private const int GenuinePackets = 1_000;

    [Fact]
    public async Task A_spray_of_malformed_datagrams_disturbs_no_session()
    {
        using var pair = new LoopbackPair([SrtpProfile.AeadAes128Gcm]);
        await pair.ConnectAsync();
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = pair.ServerMux.LocalEndPoint;
        var random = new Random(7983);

        // A third of the spray comes from the session's own address (its socket, bypassing SRTP): a
        // peer's broken packet must cost only that packet. The rest comes from a stranger.
        var clientAddress = pair.ClientMux.LocalEndPoint;
        var fromSession = 0;
        var genuineSent = 0;
        for (var i = 0; i < SprayCount; i++)
        {
            var junk = Junk(random, i);
            if (i % 3 == 0 && junk[0] is < 4 or >= 128)
            {
                pair.ClientMux.Send(junk, target.Serialize());
                fromSession++;
            }
            else
            {
                stranger.SendTo(junk, target);
            }

            if (i % (SprayCount / GenuinePackets) == 0 && genuineSent < GenuinePackets)
            {
                LoopbackPair.Send(pair.Client, LoopbackPair.MakeRtp(0xABCD, (ushort)genuineSent), rtcp: false);
                genuineSent++;
            }

            if (i % 25 == 0)
            {
                // Pace the spray a little so the kernel's socket buffer, not our code, is never the limit.
                await Task.Delay(1);
            }
        }

        await LoopbackPair.WaitForCount(pair.ServerReceivedRtp, GenuinePackets, "genuine RTP during the spray");
        var received = pair.ServerReceivedRtp.ToArray();
        for (var i = 0; i < GenuinePackets; i++)
        {
            Assert.Equal(LoopbackPair.MakeRtp(0xABCD, (ushort)i), received[i]);
        }

        // The session is still whole: it still sends and receives after the spray.
        LoopbackPair.Send(pair.Server, LoopbackPair.MakeRtp(0x1234, 1), rtcp: false);
        await LoopbackPair.WaitForCount(pair.ClientReceivedRtp, 1, "RTP from the server after the spray");
        Assert.Equal(TransportState.Connected, pair.Server.State);
        Assert.Equal(TransportState.Connected, pair.Client.State);

        // Everything sprayed was counted as dropped somewhere, none of it delivered.
        await WaitUntil(() => pair.ServerMux.Stats.DatagramsReceived >= SprayCount + GenuinePackets);
        var stats = pair.Server.Stats;
        var droppedBySession = stats.SrtpAuthenticationFailures + stats.SrtpReplays + stats.SrtpOtherErrors;
        Assert.True(fromSession > 1000, $"only {fromSession} junk datagrams came from the session's address");
        Assert.True(droppedBySession > 0, "junk RTP from the session's address reached no SRTP check");
        Assert.True(pair.ServerMux.Stats.Dropped > SprayCount / 2, $"the mux dropped only {pair.ServerMux.Stats.Dropped}");
        Assert.Equal(GenuinePackets + 1, pair.Server.Stats.RtpReceived + pair.Client.Stats.RtpReceived);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Junk in the three shapes the demultiplexer routes, plus pure noise, often truncated.</summary>
    private static byte[] Junk(Random random, int i)
    {
        var length = random.Next(1, 1300);
        var junk = new byte[length];
        random.NextBytes(junk);
        switch (i % 4)
        {
            case 0 when length >= 20:
                // STUN-looking: binding request header with the magic cookie and a lying length.
                junk[0] = 0x00;
                junk[1] = 0x01;
                BinaryPrimitives.WriteUInt16BigEndian(junk.AsSpan(2), (ushort)(random.Next(0, 100) * 4));
                BinaryPrimitives.WriteUInt32BigEndian(junk.AsSpan(4), 0x2112A442);
                break;
            case 1 when length >= 13:
                // DTLS-looking: a record header (handshake or application data), epoch 0 or 1.
                junk[0] = random.Next(2) == 0 ? (byte)22 : (byte)23;
                junk[1] = 0xFE;
                junk[2] = 0xFD;
                junk[3] = 0;
                junk[4] = (byte)random.Next(2);
                break;
            case 2:
                // RTP/RTCP-looking: version 2, any payload type, from 1 byte to a full MTU.
                junk[0] = (byte)(0x80 | (junk[0] & 0x3F));
                break;
        }

        return junk;
    }
}
