using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1): lost packets as (PID, BLP) pairs, where BLP bit i means PID + i + 1 is lost too.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|  FMT=1  |   PT=205      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// |            PID                |             BLP               |  (one or more)
/// </code>
/// </remarks>
public readonly ref struct GenericNack
{
    private const int PairLength = 4;

    private readonly ReadOnlySpan<byte> _body;

    private GenericNack(ReadOnlySpan<byte> body) => _body = body;

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>SSRC of the media source the losses refer to.</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(4));

    /// <summary>Number of PID/BLP pairs.</summary>
    public int PairCount => (_body.Length - 8) / PairLength;

    /// <summary>Reads pair <paramref name="index"/>: the packet id and the bitmask of the 16 following losses.</summary>
    public (ushort PacketId, ushort LostBitmask) GetPair(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PairCount);
        ReadOnlySpan<byte> pair = _body.Slice(8 + (PairLength * index));
        return (BinaryPrimitives.ReadUInt16BigEndian(pair), BinaryPrimitives.ReadUInt16BigEndian(pair.Slice(2)));
    }

    /// <summary>Enumerates every lost sequence number, pair by pair.</summary>
    public NackSequenceEnumerator GetLostSequenceNumbers() => new(_body.Slice(8, PairCount * PairLength));

    /// <summary>Validates a Generic NACK: type, format and at least one pair. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out GenericNack nack)
    {
        nack = default;
        if (packet.Packet.IsEmpty
            || packet.Type != RtcpPacketType.TransportFeedback
            || packet.CountOrFormat != (byte)TransportFeedbackFormat.GenericNack
            || packet.Body.Length < 8 + PairLength)
        {
            return false;
        }

        nack = new GenericNack(packet.Body);
        return true;
    }

    /// <summary>Number of PID/BLP pairs needed for <paramref name="lostSequenceNumbers"/> (ascending, wrap-aware).</summary>
    public static int CountPairs(ReadOnlySpan<ushort> lostSequenceNumbers)
    {
        int pairs = 0;
        ushort pid = 0;
        for (int i = 0; i < lostSequenceNumbers.Length; i++)
        {
            ushort distance = (ushort)(lostSequenceNumbers[i] - pid);
            if (pairs == 0 || distance > 16)
            {
                pid = lostSequenceNumbers[i];
                pairs++;
            }
        }

        return pairs;
    }

    /// <summary>Length of the NACK packet for <paramref name="lostSequenceNumbers"/>.</summary>
    public static int GetLength(ReadOnlySpan<ushort> lostSequenceNumbers) => RtcpHeader.FeedbackHeaderLength + (PairLength * CountPairs(lostSequenceNumbers));

    /// <summary>
    /// Packs an ascending (wrap-aware) list of lost sequence numbers into PID/BLP pairs: each pair starts at the
    /// first number not covered by the previous one and covers the next 16. Duplicates are merged. Returns the length.
    /// </summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lostSequenceNumbers)
    {
        if (lostSequenceNumbers.IsEmpty)
        {
            throw new ArgumentException("A NACK needs at least one lost sequence number.", nameof(lostSequenceNumbers));
        }

        int length = GetLength(lostSequenceNumbers);
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.WriteFeedback(destination, (int)TransportFeedbackFormat.GenericNack, RtcpPacketType.TransportFeedback, length, senderSsrc, mediaSsrc);

        int at = RtcpHeader.FeedbackHeaderLength - PairLength;
        ushort pid = 0;
        ushort blp = 0;
        for (int i = 0; i < lostSequenceNumbers.Length; i++)
        {
            ushort distance = (ushort)(lostSequenceNumbers[i] - pid);
            if (i == 0 || distance > 16)
            {
                if (i > 0)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(at + 2), blp);
                }

                at += PairLength;
                pid = lostSequenceNumbers[i];
                blp = 0;
                BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(at), pid);
            }
            else if (distance > 0)
            {
                blp |= (ushort)(1 << (distance - 1));
            }
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(at + 2), blp);
        return length;
    }
}
