using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>The RFC 3550 §6.4.1 common header shared by every RTCP packet, for writers.</summary>
internal static class RtcpHeader
{
    public const int Length = 4;

    /// <summary>The 16-bit length field counts words minus one.</summary>
    public const int MaxPacketLength = 4 * 65536;

    /// <summary>Feedback packets carry two SSRCs before the FCI (RFC 4585 §6.1).</summary>
    public const int FeedbackHeaderLength = Length + 8;

    /// <summary>Writes V=2, P, count/format, type and the length in 32-bit words minus one.</summary>
    public static void Write(Span<byte> destination, int countOrFormat, RtcpPacketType type, int packetLength, bool padding = false)
    {
        if (packetLength > MaxPacketLength)
        {
            throw new ArgumentException("An RTCP packet is at most 65536 words long.", nameof(packetLength));
        }

        destination[0] = (byte)(0x80 | (padding ? 0x20 : 0) | countOrFormat);
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2), (ushort)((packetLength / 4) - 1));
    }

    /// <summary>Writes a feedback header (RFC 4585 §6.1) with both SSRCs.</summary>
    public static void WriteFeedback(Span<byte> destination, int format, RtcpPacketType type, int packetLength, uint senderSsrc, uint mediaSsrc)
    {
        Write(destination, format, type, packetLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(8), mediaSsrc);
    }

    /// <summary>Throws when a writer's destination is too small: buffers are sized by the caller, so this is a bug.</summary>
    public static void EnsureCapacity(Span<byte> destination, int length)
    {
        if (destination.Length < length)
        {
            ThrowTooSmall();
        }
    }

    public static void EnsureCount(int count, int max, string name)
    {
        if (count > max)
        {
            throw new ArgumentException($"At most {max} items fit in the count field.", name);
        }
    }

    private static void ThrowTooSmall() => throw new ArgumentException("The destination is too small for this RTCP packet.");
}
