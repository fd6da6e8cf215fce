using System.Buffers.Binary;

namespace Sluice.Rtc.Rtp;

/// <summary>
/// A view over an RTP packet: the RFC 3550 §5.1 fixed header, the §5.3.1 header extension
/// (read as RFC 8285 elements) and the payload. Nothing is copied; the view lives as long as the span.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers  (CC × 32)  |
/// |      defined by profile       |           length              |  (if X)
/// |                        header extension                       |
/// |                           payload ...  | padding | pad count  |  (if P)
/// </code>
/// </remarks>
public readonly ref struct RtpPacket
{
    /// <summary>Size of the fixed header (RFC 3550 §5.1).</summary>
    public const int FixedHeaderLength = 12;

    /// <summary>The only RTP version in use (RFC 3550 §5.1).</summary>
    public const int Version2 = 2;

    private readonly int _extensionOffset;
    private readonly int _extensionLength;

    private RtpPacket(ReadOnlySpan<byte> packet, int extensionOffset, int extensionLength, int headerLength, int paddingLength)
    {
        Packet = packet;
        _extensionOffset = extensionOffset;
        _extensionLength = extensionLength;
        HeaderLength = headerLength;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet this view was parsed from.</summary>
    public ReadOnlySpan<byte> Packet { get; }

    /// <summary>Whether the padding bit is set.</summary>
    public bool HasPadding => (Packet[0] & 0x20) != 0;

    /// <summary>The marker bit (for video, usually the last packet of a frame).</summary>
    public bool Marker => (Packet[1] & 0x80) != 0;

    /// <summary>The 7-bit payload type.</summary>
    public byte PayloadType => (byte)(Packet[1] & 0x7F);

    /// <summary>The 16-bit sequence number.</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Packet.Slice(2));

    /// <summary>The 32-bit media timestamp.</summary>
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(Packet.Slice(4));

    /// <summary>The synchronization source.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Packet.Slice(8));

    /// <summary>Number of contributing sources (0..15).</summary>
    public int CsrcCount => Packet[0] & 0x0F;

    /// <summary>Whether the X bit is set, i.e. a header extension follows the CSRC list.</summary>
    public bool HasExtension => (Packet[0] & 0x10) != 0;

    /// <summary>The 16-bit "defined by profile" field: 0xBEDE for one-byte, 0x100x for two-byte elements (RFC 8285).</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(Packet.Slice(_extensionOffset - 4)) : (ushort)0;

    /// <summary>The extension body after its 4-byte header (a multiple of 4 bytes); empty without extension.</summary>
    public ReadOnlySpan<byte> ExtensionData => Packet.Slice(_extensionOffset, _extensionLength);

    /// <summary>Offset of the payload: fixed header, CSRCs and extension.</summary>
    public int HeaderLength { get; }

    /// <summary>Number of padding bytes at the end, including the count byte itself; 0 without padding.</summary>
    public int PaddingLength { get; }

    /// <summary>The payload, excluding padding.</summary>
    public ReadOnlySpan<byte> Payload => Packet.Slice(HeaderLength, Packet.Length - HeaderLength - PaddingLength);

    /// <summary>Reads contributing source <paramref name="index"/> (0-based, below <see cref="CsrcCount"/>).</summary>
    public uint GetCsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(Packet.Slice(FixedHeaderLength + (4 * index)));
    }

    /// <summary>
    /// Parses and bounds-checks an RTP packet (RFC 3550 §5.1, §5.3.1, and padding per §5.1 "P").
    /// Never throws: anything that is not a well-formed version 2 packet returns false.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpPacket rtp)
    {
        rtp = default;
        if (packet.Length < FixedHeaderLength || (packet[0] >> 6) != Version2)
        {
            return false;
        }

        int offset = FixedHeaderLength + (4 * (packet[0] & 0x0F));
        if (offset > packet.Length)
        {
            return false;
        }

        int extensionOffset = offset;
        int extensionLength = 0;
        if ((packet[0] & 0x10) != 0)
        {
            if (offset + 4 > packet.Length)
            {
                return false;
            }

            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(offset + 2));
            extensionOffset = offset + 4;
            offset = extensionOffset + extensionLength;
            if (offset > packet.Length)
            {
                return false;
            }
        }

        int paddingLength = 0;
        if ((packet[0] & 0x20) != 0)
        {
            // The count includes itself, so 0 is impossible, and padding may not eat into the header.
            paddingLength = packet[^1];
            if (paddingLength == 0 || paddingLength > packet.Length - offset)
            {
                return false;
            }
        }

        rtp = new RtpPacket(packet, extensionOffset, extensionLength, offset, paddingLength);
        return true;
    }

    /// <summary>Enumerates the RFC 8285 extension elements; empty for other profiles or no extension.</summary>
    public RtpExtensionEnumerator GetExtensions() => new(ExtensionProfile, ExtensionData);

    /// <summary>Finds the first RFC 8285 element with local identifier <paramref name="id"/>.</summary>
    public bool TryGetExtension(int id, out ReadOnlySpan<byte> data)
    {
        foreach (RtpExtension extension in GetExtensions())
        {
            if (extension.Id == id)
            {
                data = extension.Data;
                return true;
            }
        }

        data = default;
        return false;
    }
}
