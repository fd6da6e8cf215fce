using System.Buffers.Binary;

namespace Sluice.Rtc.Sctp;

/// <summary>
/// An SCTP packet (RFC 9260 §3): a 12-byte common header and chunks, each padded to four bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-------------------------------+-------------------------------+
/// |      Source Port Number       |    Destination Port Number    |
/// +-------------------------------+-------------------------------+
/// |                      Verification Tag                         |
/// +---------------------------------------------------------------+
/// |                   Checksum (CRC32c, RFC 9260 §6.8)            |
/// +---------------------------------------------------------------+
/// |  Type  | Flags |    Length    |  Value ... (chunks)            |
/// </code>
/// Reading never throws: a packet that does not parse is rejected by <see cref="TryRead"/> or ends the chunk
/// enumeration early (<see cref="SctpChunkEnumerator.Malformed"/>).
/// </summary>
public readonly ref struct SctpPacket
{
    public const int HeaderLength = 12;

    private readonly ReadOnlySpan<byte> _packet;

    private SctpPacket(ReadOnlySpan<byte> packet) => _packet = packet;

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_packet);

    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    public uint VerificationTag => BinaryPrimitives.ReadUInt32BigEndian(_packet[4..]);

    /// <summary>The chunks after the common header.</summary>
    public SctpChunkEnumerator Chunks => new(_packet[HeaderLength..]);

    /// <summary>
    /// Reads the common header of <paramref name="packet"/> and checks its CRC32c. False for a packet shorter than
    /// the header or with a wrong checksum (RFC 9260 §6.8: discard silently).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out SctpPacket result)
    {
        result = default;
        if (packet.Length < HeaderLength || !HasValidChecksum(packet))
        {
            return false;
        }

        result = new SctpPacket(packet);
        return true;
    }

    /// <summary>True when the checksum field holds the CRC32c of the packet computed with that field as zero.</summary>
    public static bool HasValidChecksum(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderLength)
        {
            return false;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]);
        var crc = Crc32c.Accumulate(0xFFFFFFFF, packet[..8]);
        crc = Crc32c.Accumulate(crc, [0, 0, 0, 0]);
        crc = Crc32c.Accumulate(crc, packet[HeaderLength..]);
        return ~crc == stored;
    }

    /// <summary>Writes the common header (checksum zero); <see cref="Seal"/> fills the checksum once chunks follow.</summary>
    public static void WriteHeader(Span<byte> packet, ushort sourcePort, ushort destinationPort, uint verificationTag)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], verificationTag);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], 0);
    }

    /// <summary>Computes and stores the checksum of a complete packet.</summary>
    public static void Seal(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], Crc32c.Compute(packet));
    }
}

/// <summary>One chunk: its type, flags and value (the bytes after the 4-byte chunk header, without padding).</summary>
public readonly ref struct SctpChunk
{
    public SctpChunk(SctpChunkType type, byte flags, ReadOnlySpan<byte> value)
    {
        Type = type;
        Flags = flags;
        Value = value;
    }

    public SctpChunkType Type { get; }

    public byte Flags { get; }

    public ReadOnlySpan<byte> Value { get; }
}

/// <summary>
/// Walks the chunks of a packet. Stops at the first chunk whose length field is below 4 or runs past the packet;
/// the chunks before it were well-formed, and <see cref="Malformed"/> says the walk stops short.
/// </summary>
public ref struct SctpChunkEnumerator
{
    private readonly ReadOnlySpan<byte> _chunks;
    private ReadOnlySpan<byte> _rest;

    internal SctpChunkEnumerator(ReadOnlySpan<byte> chunks)
    {
        _chunks = chunks;
        _rest = chunks;
        Current = default;
    }

    public SctpChunk Current { get; private set; }

    /// <summary>
    /// True when the chunks end in bytes that are not a chunk. Read from all the chunks, not from how far this copy
    /// has walked: <c>foreach</c> walks a copy (<see cref="GetEnumerator"/> returns one), and the caller asks this
    /// one afterwards.
    /// </summary>
    public readonly bool Malformed => Tlv.EndsMalformed(_chunks);

    public readonly SctpChunkEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (!Tlv.TryMeasure(_rest, out var length, out var next))
        {
            _rest = default;
            return false;
        }

        Current = new SctpChunk((SctpChunkType)_rest[0], _rest[1], _rest[4..length]);
        _rest = _rest[next..];
        return true;
    }
}

/// <summary>One TLV parameter (or error cause): type and value, without the 4-byte header or padding.</summary>
public readonly ref struct SctpParameter
{
    public SctpParameter(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
    {
        Type = type;
        Value = value;
        Whole = whole;
    }

    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The parameter with its header (for reporting an unrecognized one back, RFC 9260 §3.2.1).</summary>
    public ReadOnlySpan<byte> Whole { get; }
}

/// <summary>Walks TLV parameters padded to four bytes (INIT parameters, RE-CONFIG parameters, error causes).</summary>
public ref struct SctpParameterEnumerator
{
    private readonly ReadOnlySpan<byte> _parameters;
    private ReadOnlySpan<byte> _rest;

    public SctpParameterEnumerator(ReadOnlySpan<byte> parameters)
    {
        _parameters = parameters;
        _rest = parameters;
        Current = default;
    }

    public SctpParameter Current { get; private set; }

    /// <summary>True when the parameters end in bytes that are not a parameter; like <see cref="SctpChunkEnumerator.Malformed"/>, right after a <c>foreach</c> too.</summary>
    public readonly bool Malformed => Tlv.EndsMalformed(_parameters);

    public readonly SctpParameterEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (!Tlv.TryMeasure(_rest, out var length, out var next))
        {
            _rest = default;
            return false;
        }

        Current = new SctpParameter(BinaryPrimitives.ReadUInt16BigEndian(_rest), _rest[4..length], _rest[..length]);
        _rest = _rest[next..];
        return true;
    }
}

/// <summary>
/// The one walk over type-length-value items padded to four bytes that chunks, parameters and error causes share
/// (RFC 9260 §3.2, §3.2.1): a 16-bit length at offset 2 that counts the 4-byte header and not the padding.
/// </summary>
internal static class Tlv
{
    /// <summary>
    /// Measures the item at the start of <paramref name="rest"/>: its <paramref name="length"/> (header and value, no
    /// padding) and where the next one starts. False at the end, or at bytes that are not an item (shorter than a
    /// header, a length below 4 or past the end): the walk stops there. The last item's padding may be missing; it is
    /// tolerated rather than the item dropped.
    /// </summary>
    public static bool TryMeasure(ReadOnlySpan<byte> rest, out int length, out int next)
    {
        length = next = 0;
        if (rest.Length < 4)
        {
            return false;
        }

        length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
        if (length < 4 || length > rest.Length)
        {
            return false;
        }

        next = Math.Min((length + 3) & ~3, rest.Length);
        return true;
    }

    /// <summary>Whether walking <paramref name="items"/> stops before their end.</summary>
    public static bool EndsMalformed(ReadOnlySpan<byte> items)
    {
        while (!items.IsEmpty)
        {
            if (!TryMeasure(items, out _, out var next))
            {
                return true;
            }

            items = items[next..];
        }

        return false;
    }
}
