using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// A reception report block (RFC 3550 §6.4.1), 24 bytes in SR and RR packets.
/// </summary>
/// <param name="Ssrc">The source this block reports on.</param>
/// <param name="FractionLost">Fraction lost since the previous report, in 1/256.</param>
/// <param name="CumulativeLost">Cumulative number of packets lost, a 24-bit signed value (duplicates can make it negative).</param>
/// <param name="HighestSequenceNumber">Extended highest sequence number received (cycles in the high 16 bits).</param>
/// <param name="Jitter">Interarrival jitter in timestamp units.</param>
/// <param name="LastSenderReport">LSR: the middle 32 bits of the last SR's NTP timestamp, or 0.</param>
/// <param name="DelaySinceLastSenderReport">DLSR: delay since that SR in units of 1/65536 s, or 0.</param>
public readonly record struct ReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint HighestSequenceNumber,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    /// <summary>Size of a report block on the wire.</summary>
    public const int Length = 24;

    /// <summary>The range of the 24-bit signed cumulative lost field.</summary>
    public const int MaxCumulativeLost = 0x7FFFFF;

    /// <summary>The range of the 24-bit signed cumulative lost field.</summary>
    public const int MinCumulativeLost = -0x800000;

    /// <summary>Reads a block from the first 24 bytes of <paramref name="source"/>; false if shorter.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ReportBlock block)
    {
        if (source.Length < Length)
        {
            block = default;
            return false;
        }

        uint lossWord = BinaryPrimitives.ReadUInt32BigEndian(source.Slice(4));
        block = new ReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            (byte)(lossWord >> 24),
            (int)(lossWord << 8) >> 8,
            BinaryPrimitives.ReadUInt32BigEndian(source.Slice(8)),
            BinaryPrimitives.ReadUInt32BigEndian(source.Slice(12)),
            BinaryPrimitives.ReadUInt32BigEndian(source.Slice(16)),
            BinaryPrimitives.ReadUInt32BigEndian(source.Slice(20)));
        return true;
    }

    /// <summary>Writes the block into the first 24 bytes of <paramref name="destination"/>, clamping the cumulative lost to 24 bits.</summary>
    public void WriteTo(Span<byte> destination)
    {
        RtcpHeader.EnsureCapacity(destination, Length);
        int lost = Math.Clamp(CumulativeLost, MinCumulativeLost, MaxCumulativeLost);
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), ((uint)FractionLost << 24) | ((uint)lost & 0xFFFFFF));
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(8), HighestSequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(12), Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16), LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(20), DelaySinceLastSenderReport);
    }
}
