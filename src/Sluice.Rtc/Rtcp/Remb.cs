using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// REMB, receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2), an application layer
/// feedback message (RFC 4585 §6.4) told apart by its "REMB" identifier.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source (0)                     |
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa (18 bits)            |   bitrate = mantissa × 2^exp bps
/// |   SSRC feedback (Num SSRC times)                              |
/// </code>
/// </remarks>
public readonly ref struct Remb
{
    private const uint Identifier = 0x52454D42; // "REMB"
    private const int MaxMantissa = 0x3FFFF;

    private readonly ReadOnlySpan<byte> _body;

    private Remb(ReadOnlySpan<byte> body, ulong bitrate)
    {
        _body = body;
        Bitrate = bitrate;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>The estimated maximum bitrate in bits per second.</summary>
    public ulong Bitrate { get; }

    /// <summary>Number of SSRCs the estimate applies to.</summary>
    public int SsrcCount => _body[12];

    /// <summary>Reads SSRC <paramref name="index"/> (below <see cref="SsrcCount"/>).</summary>
    public uint GetSsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(16 + (4 * index)));
    }

    /// <summary>Validates a REMB: type, format, identifier, SSRC list and a bitrate that fits 64 bits. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out Remb remb)
    {
        remb = default;
        ReadOnlySpan<byte> body = packet.Body;
        if (packet.Packet.IsEmpty
            || packet.Type != RtcpPacketType.PayloadSpecificFeedback
            || packet.CountOrFormat != (byte)PayloadFeedbackFormat.ApplicationLayer
            || body.Length < 16
            || BinaryPrimitives.ReadUInt32BigEndian(body.Slice(8)) != Identifier
            || body.Length < 16 + (4 * body[12]))
        {
            return false;
        }

        int exponent = body[13] >> 2;
        ulong mantissa = ((ulong)(body[13] & 0x03) << 16) | BinaryPrimitives.ReadUInt16BigEndian(body.Slice(14));
        ulong bitrate = mantissa << exponent;
        if (bitrate >> exponent != mantissa)
        {
            return false;
        }

        remb = new Remb(body, bitrate);
        return true;
    }

    /// <summary>Splits <paramref name="bitrate"/> into the smallest exponent whose mantissa fits 18 bits (low bits are truncated).</summary>
    public static (int Exponent, int Mantissa) Encode(ulong bitrate)
    {
        int exponent = 0;
        while ((bitrate >> exponent) > MaxMantissa)
        {
            exponent++;
        }

        return (exponent, (int)(bitrate >> exponent));
    }

    /// <summary>Writes a REMB for <paramref name="ssrcs"/> (at most 255); returns its length.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ulong bitrate, ReadOnlySpan<uint> ssrcs)
    {
        RtcpHeader.EnsureCount(ssrcs.Length, 255, nameof(ssrcs));
        int length = RtcpHeader.FeedbackHeaderLength + 8 + (4 * ssrcs.Length);
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.WriteFeedback(destination, (int)PayloadFeedbackFormat.ApplicationLayer, RtcpPacketType.PayloadSpecificFeedback, length, senderSsrc, 0);
        (int exponent, int mantissa) = Encode(bitrate);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(12), Identifier);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16), ((uint)ssrcs.Length << 24) | ((uint)exponent << 18) | (uint)mantissa);
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(20 + (4 * i)), ssrcs[i]);
        }

        return length;
    }
}
