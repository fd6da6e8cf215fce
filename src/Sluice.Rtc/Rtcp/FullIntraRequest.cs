using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// FIR (RFC 5104 §4.3.1): a decoder refresh request; the media source SSRC field is 0 and the targets are FCI entries.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|  FMT=4  |   PT=206      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source (0)                     |
/// |                              SSRC                             |  (one or more entries)
/// | Seq nr.       |    Reserved (0)                               |
/// </code>
/// </remarks>
public readonly ref struct FullIntraRequest
{
    private const int EntryLength = 8;

    private readonly ReadOnlySpan<byte> _body;

    private FullIntraRequest(ReadOnlySpan<byte> body) => _body = body;

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>The media source field (0 per RFC 5104 §4.3.1.2, not checked on read).</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(4));

    /// <summary>Number of FCI entries.</summary>
    public int EntryCount => (_body.Length - 8) / EntryLength;

    /// <summary>Reads entry <paramref name="index"/> (below <see cref="EntryCount"/>).</summary>
    public FirEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, EntryCount);
        ReadOnlySpan<byte> entry = _body.Slice(8 + (EntryLength * index));
        return new FirEntry(BinaryPrimitives.ReadUInt32BigEndian(entry), entry[4]);
    }

    /// <summary>Validates a FIR: type, format and at least one entry. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out FullIntraRequest fir)
    {
        fir = default;
        if (packet.Packet.IsEmpty
            || packet.Type != RtcpPacketType.PayloadSpecificFeedback
            || packet.CountOrFormat != (byte)PayloadFeedbackFormat.FullIntraRequest
            || packet.Body.Length < 8 + EntryLength)
        {
            return false;
        }

        fir = new FullIntraRequest(packet.Body);
        return true;
    }

    /// <summary>Writes a FIR with <paramref name="entries"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ReadOnlySpan<FirEntry> entries)
    {
        if (entries.IsEmpty)
        {
            throw new ArgumentException("A FIR needs at least one entry.", nameof(entries));
        }

        int length = RtcpHeader.FeedbackHeaderLength + (EntryLength * entries.Length);
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.WriteFeedback(destination, (int)PayloadFeedbackFormat.FullIntraRequest, RtcpPacketType.PayloadSpecificFeedback, length, senderSsrc, 0);
        for (int i = 0; i < entries.Length; i++)
        {
            Span<byte> entry = destination.Slice(RtcpHeader.FeedbackHeaderLength + (EntryLength * i), EntryLength);
            BinaryPrimitives.WriteUInt32BigEndian(entry, entries[i].Ssrc);
            entry[4] = entries[i].SequenceNumber;
            entry.Slice(5).Clear();
        }

        return length;
    }
}
