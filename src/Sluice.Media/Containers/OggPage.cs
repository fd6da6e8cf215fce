using System.Buffers.Binary;

namespace Sluice.Media.Containers;

/// <summary>
/// Ogg page framing (RFC 3533 §6):
/// <code>
/// "OggS" | version=0 | header_type | granule_position (i64 LE) | serial (u32 LE)
/// | page_sequence (u32 LE) | CRC (u32 LE) | page_segments (u8) | segment_table[page_segments] | body
/// </code>
/// A packet is laced as segments of 255 bytes and a final segment shorter than 255 (possibly 0).
/// </summary>
internal static class OggPage
{
    public const int HeaderLength = 27;
    public const int MaxSegments = 255;
    public const int CrcOffset = 22;

    /// <summary>Writes one page holding exactly one whole packet, or no packet at all (an empty end-of-stream page).</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> packet, OggPageFlags flags, long granule, uint serial, uint sequence, bool hasPacket = true)
    {
        int segments = hasPacket ? packet.Length / 255 + 1 : 0;
        if (segments > MaxSegments)
        {
            throw new ArgumentException($"Packet of {packet.Length} bytes does not fit in one Ogg page.", nameof(packet));
        }

        var page = new byte[HeaderLength + segments + packet.Length];
        "OggS"u8.CopyTo(page);
        page[4] = 0;
        page[5] = (byte)flags;
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), serial);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), sequence);
        page[26] = (byte)segments;
        for (int i = 0; i < segments - 1; i++)
        {
            page[HeaderLength + i] = 255;
        }

        if (hasPacket)
        {
            page[HeaderLength + segments - 1] = (byte)(packet.Length % 255);
        }

        packet.CopyTo(page.AsSpan(HeaderLength + segments));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(CrcOffset), OggCrc.Compute(page));
        stream.Write(page);
    }
}
