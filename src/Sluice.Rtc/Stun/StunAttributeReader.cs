using System.Buffers.Binary;

namespace Sluice.Rtc.Stun;

/// <summary>
/// Walks the attribute TLVs of a STUN message body in wire order (RFC 8489 §14): 16-bit type,
/// 16-bit value length, value, then padding to a 4-byte boundary. Padding content is ignored.
/// Stops (returns false) at the end or at the first TLV that would run past the body.
/// </summary>
public ref struct StunAttributeReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _position;

    /// <param name="body">The attributes: the message without its 20-byte header.</param>
    public StunAttributeReader(ReadOnlySpan<byte> body)
    {
        _body = body;
        _position = 0;
    }

    /// <summary>Offset of the next TLV from the start of the body.</summary>
    public readonly int Position => _position;

    /// <summary>True once every byte of the body has been consumed by well-formed TLVs.</summary>
    public readonly bool AtEnd => _position == _body.Length;

    public bool TryRead(out StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        var remaining = _body.Length - _position;
        if (remaining < 4)
        {
            type = default;
            value = default;
            return false;
        }

        var header = _body.Slice(_position, 4);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        var padded = (length + 3) & ~3;
        if (padded > remaining - 4)
        {
            type = default;
            value = default;
            return false;
        }

        type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(header);
        value = _body.Slice(_position + 4, length);
        _position += 4 + padded;
        return true;
    }
}
