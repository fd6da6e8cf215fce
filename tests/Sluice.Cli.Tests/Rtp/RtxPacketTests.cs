using Sluice.Cli.Rtp;

namespace Sluice.Cli.Tests.Rtp;

/// <summary>The RTX payload format, RFC 4588 §4: wrap and unwrap, bytes checked.</summary>
public sealed class RtxPacketTests
{
    [Fact]
    public void Unwrap_RestoresTheOriginalPacket()
    {
        byte[] rtx =
        [
            0x80, 0x80 | 97, 0x00, 0x07,   // V=2, M=1, PT=97 (rtx), rtx seq 7
            0x00, 0x01, 0x5F, 0x90,        // timestamp 90000 (the original's)
            0x33, 0x33, 0x44, 0x44,        // rtx SSRC
            0x12, 0x34,                    // OSN 0x1234
            0xDE, 0xAD, 0xBE, 0xEF,        // original payload
        ];
        var original = new byte[64];

        Assert.True(RtxPacket.TryUnwrap(rtx, 96, 0x1111_2222, original, out var length));

        Assert.Equal(new byte[]
        {
            0x80, 0x80 | 96, 0x12, 0x34,   // PT restored from apt, seq from OSN, marker kept
            0x00, 0x01, 0x5F, 0x90,
            0x11, 0x11, 0x22, 0x22,        // media SSRC
            0xDE, 0xAD, 0xBE, 0xEF,
        }, original[..length]);
    }

    [Fact]
    public void Wrap_ThenUnwrap_RoundTrips()
    {
        var packet = Packets.Rtp(4321, timestamp: 777, marker: true);
        var rtx = new byte[128];
        var rtxLength = RtxPacket.Wrap(packet, rtx, 97, 0x3333_4444, 9);
        Assert.Equal(packet.Length + 2, rtxLength);
        Assert.Equal((byte)(0x80 | 97), rtx[1]);
        Assert.Equal(new byte[] { 0x00, 0x09 }, rtx[2..4]);
        Assert.Equal(new byte[] { 0x33, 0x33, 0x44, 0x44 }, rtx[8..12]);
        Assert.Equal(new byte[] { 0x10, 0xE1 }, rtx[12..14]);  // OSN 4321

        var restored = new byte[128];
        Assert.True(RtxPacket.TryUnwrap(rtx.AsSpan(0, rtxLength), 96, 0x1111_2222, restored, out var length));
        Assert.Equal(packet, restored[..length]);
    }

    [Fact]
    public void Unwrap_PaddingOnlyProbe_IsRejected()
    {
        byte[] probe =
        [
            0xA0, 97, 0x00, 0x08,          // V=2, P=1, PT=97
            0, 0, 0, 0,
            0x33, 0x33, 0x44, 0x44,
            0, 0, 0, 4,                    // 4 bytes of padding, no OSN
        ];
        Assert.False(RtxPacket.TryUnwrap(probe, 96, 1, new byte[64], out _));
    }

    [Fact]
    public void Unwrap_Garbage_NeverThrows()
    {
        var random = new Random(4588);
        var buffer = new byte[64];
        for (var i = 0; i < 5000; i++)
        {
            var input = new byte[random.Next(0, 40)];
            random.NextBytes(input);
            RtxPacket.TryUnwrap(input, 96, 1, buffer, out _);
        }
    }
}
