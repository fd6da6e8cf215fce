using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// BYE (RFC 3550 §6.6): the sources leaving, with an optional reason.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// |                           SSRC/CSRC  (SC times)               |
/// |     length    |               reason for leaving ...  (opt)   |
/// </code>
/// </remarks>
public readonly ref struct Goodbye
{
    /// <summary>The longest reason (one length byte).</summary>
    public const int MaxReasonLength = 255;

    private readonly ReadOnlySpan<byte> _body;

    private Goodbye(ReadOnlySpan<byte> body, int sourceCount, ReadOnlySpan<byte> reason, bool hasReason)
    {
        _body = body;
        SourceCount = sourceCount;
        Reason = reason;
        HasReason = hasReason;
    }

    /// <summary>Number of SSRC/CSRC identifiers.</summary>
    public int SourceCount { get; }

    /// <summary>Whether a reason is present.</summary>
    public bool HasReason { get; }

    /// <summary>The reason (UTF-8), empty if absent.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    /// <summary>Reads identifier <paramref name="index"/> (below <see cref="SourceCount"/>).</summary>
    public uint GetSsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SourceCount);
        return BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(4 * index));
    }

    /// <summary>Validates a BYE: type, SC identifiers and the reason within the body. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out Goodbye bye)
    {
        bye = default;
        if (packet.Packet.IsEmpty || packet.Type != RtcpPacketType.Goodbye)
        {
            return false;
        }

        ReadOnlySpan<byte> body = packet.Body;
        int count = packet.CountOrFormat;
        int reasonOffset = 4 * count;
        if (body.Length < reasonOffset)
        {
            return false;
        }

        bool hasReason = body.Length > reasonOffset;
        ReadOnlySpan<byte> reason = default;
        if (hasReason)
        {
            int reasonLength = body[reasonOffset];
            if (reasonOffset + 1 + reasonLength > body.Length)
            {
                return false;
            }

            reason = body.Slice(reasonOffset + 1, reasonLength);
        }

        bye = new Goodbye(body, count, reason, hasReason);
        return true;
    }

    /// <summary>Writes a BYE for <paramref name="ssrcs"/> (at most 31) with an optional reason; returns its length.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<uint> ssrcs, ReadOnlySpan<byte> reason = default)
    {
        RtcpHeader.EnsureCount(ssrcs.Length, 31, nameof(ssrcs));
        if (reason.Length > MaxReasonLength)
        {
            throw new ArgumentException("A BYE reason holds at most 255 bytes.", nameof(reason));
        }

        int reasonBytes = reason.IsEmpty ? 0 : (1 + reason.Length + 3) & ~3;
        int length = RtcpHeader.Length + (4 * ssrcs.Length) + reasonBytes;
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.Write(destination, ssrcs.Length, RtcpPacketType.Goodbye, length);
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4 + (4 * i)), ssrcs[i]);
        }

        if (!reason.IsEmpty)
        {
            int at = 4 + (4 * ssrcs.Length);
            destination[at] = (byte)reason.Length;
            reason.CopyTo(destination.Slice(at + 1));
            destination.Slice(at + 1 + reason.Length, reasonBytes - 1 - reason.Length).Clear();
        }

        return length;
    }
}
