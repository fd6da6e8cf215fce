using System.Buffers.Binary;
using Sluice.Rtc.Sctp;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>
/// RFC 3720 appendix B.4, "CRC Examples", the vectors RFC 9260 appendix A points to for the SCTP checksum. The
/// RFC lists each CRC as the bytes it puts on the wire, least significant byte first. An SCTP packet stores its
/// checksum the same way.
/// </summary>
public class Crc32cTests
{
    public static TheoryData<string, byte[], byte[]> Vectors => new()
    {
        // 32 bytes of zeros:   CRC: aa 36 91 8a
        { "32 bytes of zeros", new byte[32], [0xAA, 0x36, 0x91, 0x8A] },
        // 32 bytes of ones:    CRC: 43 ab a8 62
        { "32 bytes of ones", Enumerable.Repeat((byte)0xFF, 32).ToArray(), [0x43, 0xAB, 0xA8, 0x62] },
        // 32 bytes of incrementing 00..1f:   CRC: 4e 79 dd 46
        { "32 bytes of incrementing 00..1f", Enumerable.Range(0x00, 32).Select(i => (byte)i).ToArray(), [0x4E, 0x79, 0xDD, 0x46] },
        // 32 bytes of decrementing 1f..00:   CRC: 5c db 3f 11
        { "32 bytes of decrementing 1f..00", Enumerable.Range(0x00, 32).Select(i => (byte)(0x1F - i)).ToArray(), [0x5C, 0xDB, 0x3F, 0x11] },
        // An iSCSI - SCSI Read (10) Command PDU:   CRC: 56 3a 96 d9
        {
            "An iSCSI - SCSI Read (10) Command PDU",
            [
                0x01, 0xC0, 0x00, 0x00, //  0
                0x00, 0x00, 0x00, 0x00, //  4
                0x00, 0x00, 0x00, 0x00, //  8
                0x00, 0x00, 0x00, 0x00, // 12
                0x14, 0x00, 0x00, 0x00, // 16
                0x00, 0x00, 0x04, 0x00, // 20
                0x00, 0x00, 0x00, 0x14, // 24
                0x00, 0x00, 0x00, 0x18, // 28
                0x28, 0x00, 0x00, 0x00, // 32
                0x00, 0x00, 0x00, 0x00, // 36
                0x02, 0x00, 0x00, 0x00, // 40
                0x00, 0x00, 0x00, 0x00, // 44
            ],
            [0x56, 0x3A, 0x96, 0xD9]
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void AppendixB4_Vector_StoredLittleEndian_GivesTheListedBytes(string name, byte[] data, byte[] listed)
    {
        var crc = Crc32c.Compute(data);

        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(listed), crc);
        var stored = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(stored, crc);
        Assert.True(listed.AsSpan().SequenceEqual(stored), name);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void AppendixB4_Vector_FedInPieces_GivesTheSameCrc(string name, byte[] data, byte[] listed)
    {
        // The 8-byte fast path and the byte-at-a-time tail must agree wherever the data is split.
        for (var split = 0; split <= data.Length; split++)
        {
            var crc = ~Crc32c.Accumulate(Crc32c.Accumulate(0xFFFFFFFF, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(listed) == crc, $"{name}, split at {split}");
        }
    }

    [Fact]
    public void HandBuiltDataPacket_ChecksumValidates()
    {
        Assert.True(SctpPacket.HasValidChecksum(SctpTestPackets.HelloData));
        Assert.Equal(0xD8A15448u, BinaryPrimitives.ReadUInt32LittleEndian(SctpTestPackets.HelloData.AsSpan(8)));
    }

    [Fact]
    public void BrowserInit_ChecksumValidates()
    {
        Assert.True(SctpPacket.HasValidChecksum(SctpTestPackets.BrowserInit));
    }

    [Fact]
    public void EverySingleBitFlip_FailsTheChecksum()
    {
        foreach (var valid in new[] { SctpTestPackets.HelloData, SctpTestPackets.BrowserInit })
        {
            for (var bit = 0; bit < valid.Length * 8; bit++)
            {
                var flipped = valid.ToArray();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(SctpPacket.HasValidChecksum(flipped), $"bit {bit} of a {valid.Length}-byte packet flipped and the checksum still held");
                Assert.False(SctpPacket.TryRead(flipped, out _));
            }
        }
    }

    [Fact]
    public void Seal_WritesTheChecksumTheHandBuiltPacketCarries()
    {
        var packet = SctpTestPackets.HelloData.ToArray();
        packet.AsSpan(8, 4).Fill(0xEE);

        SctpPacket.Seal(packet);

        Assert.Equal(SctpTestPackets.HelloData, packet);
    }

    [Fact]
    public void ShorterThanTheCommonHeader_IsNeverValid()
    {
        for (var length = 0; length < SctpPacket.HeaderLength; length++)
        {
            Assert.False(SctpPacket.HasValidChecksum(SctpTestPackets.HelloData.AsSpan(0, length)));
            Assert.False(SctpPacket.TryRead(SctpTestPackets.HelloData.AsSpan(0, length), out _));
        }
    }
}
