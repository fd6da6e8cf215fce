using System.Buffers.Binary;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Tests.Transport;

/// <summary>
/// The per-packet path allocates nothing: the mux's receive loop (receive, RFC 7983 demux, route by
/// address, SRTP unprotect, hand-off) measured on the receive thread itself, and the send path
/// (SRTP protect in place, send) measured on the sending thread.
/// </summary>
public sealed class AllocationTests
{
    private const int Packets = 2_000;
    private const int WarmUp = 200;

    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_80)]
    public async Task Receive_loop_and_send_path_allocate_nothing_per_packet(SrtpProfile profile)
    {
        using var pair = new LoopbackPair([profile]);
        await pair.ConnectAsync();

        // Runs on the server mux's receive thread: records that thread's allocation counter at each packet.
        var marks = new long[Packets];
        var received = 0;
        pair.Server.RtpReceived = (_, _) =>
        {
            if (received < marks.Length)
            {
                marks[received++] = GC.GetAllocatedBytesForCurrentThread();
            }
        };

        var buffer = new byte[1200 + 64];
        buffer[0] = 0x80;
        buffer[1] = 96;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), 0x5EED);
        long sendAllocated = 0;
        for (var i = 0; i < Packets; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)i);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), (uint)i * 3000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.True(pair.Client.SendRtp(buffer, 1200));
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (i >= WarmUp)
            {
                sendAllocated += after - before;
            }

            if (i % 50 == 0)
            {
                // Let the receive loop keep up, so no datagram is lost to a full socket buffer.
                Thread.Sleep(1);
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref received) < Packets && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(Packets, Volatile.Read(ref received));
        Assert.Equal(0, sendAllocated);
        Assert.Equal(0, marks[Packets - 1] - marks[WarmUp]);
    }
}
