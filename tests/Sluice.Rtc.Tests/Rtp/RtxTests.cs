using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>The RTX payload format, RFC 4588 §4: wrap and unwrap, copying and in place, bytes checked.</summary>
public sealed class RtxTests
{
    private static readonly byte[] RtxPacket =
    [
        0x80, 0x80 | 97, 0x00, 0x07,   // V=2, M=1, PT=97 (rtx), rtx seq 7
        0x00, 0x01, 0x5F, 0x90,        // timestamp 90000 (the original's)
        0x33, 0x33, 0x44, 0x44,        // rtx SSRC
        0x12, 0x34,                    // OSN 0x1234
        0xDE, 0xAD, 0xBE, 0xEF,        // original payload
    ];

    private static readonly byte[] OriginalPacket =
    [
        0x80, 0x80 | 96, 0x12, 0x34,   // PT restored from apt, seq from OSN, marker kept
        0x00, 0x01, 0x5F, 0x90,
        0x11, 0x11, 0x22, 0x22,        // media SSRC
        0xDE, 0xAD, 0xBE, 0xEF,
    ];

    [Fact]
    public void Unwrap_RestoresTheOriginalPacket()
    {
        var original = new byte[64];

        Assert.True(Rtx.TryUnwrap(RtxPacket, original, 96, 0x1111_2222, out var length));

        Assert.Equal(OriginalPacket, original[..length]);
    }

    [Fact]
    public void UnwrapInPlace_RestoresTheOriginalPacket()
    {
        var buffer = RtxPacket.ToArray();

        Assert.True(Rtx.TryUnwrapInPlace(buffer, 96, 0x1111_2222, out var original));

        Assert.Equal(OriginalPacket, original.ToArray());
    }

    [Fact]
    public void Wrap_WritesTheRtxStreamAndTheOsn()
    {
        var rtx = new byte[64];
        var length = Rtx.Wrap(OriginalPacket, rtx, 97, 0x3333_4444, 7);
        Assert.Equal(RtxPacket, rtx[..length]);

        var buffer = new byte[64];
        OriginalPacket.CopyTo(buffer, 0);
        Assert.Equal(RtxPacket.Length, Rtx.WrapInPlace(buffer, OriginalPacket.Length, 97, 0x3333_4444, 7));
        Assert.Equal(RtxPacket, buffer[..RtxPacket.Length]);
    }

    [Theory]
    [MemberData(nameof(Packets))]
    public void Wrap_ThenUnwrap_RoundTrips(byte[] packet)
    {
        var rtx = new byte[packet.Length + 2];
        var rtxLength = Rtx.Wrap(packet, rtx, 97, 0x3333_4444, 9);
        Assert.Equal(packet.Length + 2, rtxLength);
        Assert.True(RtpPacket.TryParse(rtx, out var parsed));
        Assert.Equal(97, parsed.PayloadType);
        Assert.Equal(9, parsed.SequenceNumber);
        Assert.Equal(0x3333_4444u, parsed.Ssrc);
        Assert.True(RtpPacket.TryParse(packet, out var source));
        Assert.Equal(source.SequenceNumber, (parsed.Payload[0] << 8) | parsed.Payload[1]);
        Assert.Equal(source.PaddingLength, parsed.PaddingLength);

        var restored = new byte[packet.Length];
        Assert.True(Rtx.TryUnwrap(rtx, restored, source.PayloadType, source.Ssrc, out var length));
        Assert.Equal(packet, restored[..length]);

        Assert.True(Rtx.TryUnwrapInPlace(rtx, source.PayloadType, source.Ssrc, out var inPlace));
        Assert.Equal(packet, inPlace.ToArray());
    }

    public static TheoryData<byte[]> Packets()
    {
        var data = new TheoryData<byte[]>();
        foreach (var packet in RtpTestPackets.All())
        {
            data.Add(packet);
        }

        return data;
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
        Assert.False(Rtx.TryUnwrap(probe, new byte[64], 96, 1, out _));
        Assert.False(Rtx.TryUnwrapInPlace(probe, 96, 1, out _));
    }

    [Fact]
    public void TooShort_IsRefused()
    {
        // One payload byte: half an OSN.
        byte[] halfOsn = [0x80, 97, 0, 1, 0, 0, 0, 0, 0x33, 0x33, 0x44, 0x44, 0x12];
        Assert.False(Rtx.TryUnwrap(halfOsn, new byte[64], 96, 1, out _));
        Assert.False(Rtx.TryUnwrapInPlace(halfOsn, 96, 1, out _));

        Assert.Equal(0, Rtx.Wrap(halfOsn.AsSpan(0, 11), new byte[64], 97, 1, 1));
        Assert.Equal(0, Rtx.Wrap(OriginalPacket, new byte[OriginalPacket.Length + 1], 97, 1, 1));
        Assert.Equal(0, Rtx.WrapInPlace(new byte[OriginalPacket.Length + 1], OriginalPacket.Length, 97, 1, 1));
        Assert.False(Rtx.TryUnwrap(RtxPacket, new byte[RtxPacket.Length - 3], 96, 1, out _));
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
            Rtx.TryUnwrap(input, buffer, 96, 1, out _);
            Rtx.TryUnwrapInPlace(input, 96, 1, out _);
            Rtx.WrapInPlace(input, random.Next(0, input.Length + 1), 97, 1, 1);
        }
    }
}
