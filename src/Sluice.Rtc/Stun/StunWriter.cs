using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Rtc.Stun;

/// <summary>
/// Writes a STUN message (RFC 8489 §5, §14) into a caller-owned buffer without allocating. The
/// header length field is kept current after every attribute, so the message is valid at any point.
/// </summary>
/// <remarks>
/// Misuse (buffer too small, oversized values, attributes after MESSAGE-INTEGRITY or FINGERPRINT) is
/// a programming error and throws. Padding bytes are zero (RFC 8489 §14: content is ignored).
/// For ICE short-term credentials the MESSAGE-INTEGRITY key is the UTF-8 bytes of the password.
/// </remarks>
public ref struct StunWriter
{
    // RFC 8489 §14.3, §14.8, §14.14: USERNAME < 509 bytes; reason and SOFTWARE < 128 characters (763 bytes).
    private const int MaxUsernameBytes = 508;
    private const int MaxTextBytes = 763;

    private readonly Span<byte> _buffer;
    private int _length;
    private bool _hasIntegrity;
    private bool _hasFingerprint;

    public StunWriter(Span<byte> buffer, StunMessageType type, ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != StunMessage.TransactionIdLength)
        {
            throw new ArgumentException("A STUN transaction id is 12 bytes.", nameof(transactionId));
        }

        if (((ushort)type & 0xC000) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(type), "The top two bits of a STUN message type are zero.");
        }

        if (buffer.Length < StunMessage.HeaderLength)
        {
            StunThrow.BufferTooSmall();
        }

        _buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], StunMessage.MagicCookie);
        transactionId.CopyTo(buffer[8..]);
        _length = StunMessage.HeaderLength;
        _hasIntegrity = false;
        _hasFingerprint = false;
    }

    /// <summary>Bytes written so far, header included.</summary>
    public readonly int Length => _length;

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Adds any attribute, padded with zero bytes.</summary>
    public void AddAttribute(StunAttributeType type, ReadOnlySpan<byte> value) => AddAttribute(type, value, 0);

    /// <summary>
    /// Adds any attribute with a chosen padding byte; RFC 5769 vectors pad with 0x20, for example.
    /// </summary>
    public void AddAttribute(StunAttributeType type, ReadOnlySpan<byte> value, byte padding) =>
        value.CopyTo(Reserve(type, value.Length, padding));

    /// <summary>USERNAME (RFC 8489 §14.3); ICE sends "remote-ufrag:local-ufrag" (RFC 8445 §7.2.2).</summary>
    public void AddUsername(ReadOnlySpan<byte> utf8Username)
    {
        if (utf8Username.Length > MaxUsernameBytes)
        {
            StunThrow.ValueTooLong("USERNAME", MaxUsernameBytes);
        }

        AddAttribute(StunAttributeType.Username, utf8Username);
    }

    /// <summary>
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2) from a socket address as received, without allocating.
    /// An IPv4-mapped IPv6 address (from a dual-mode socket) is written as IPv4, the address the
    /// peer actually sent from.
    /// </summary>
    public void AddXorMappedAddress(SocketAddress address)
    {
        // sockaddr_in / sockaddr_in6: port big-endian at 2..4, IPv4 at 4..8, IPv6 at 8..24.
        ReadOnlySpan<byte> raw = address.Buffer.Span[..address.Size];
        switch (address.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                WriteXorAddress(BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), raw.Slice(4, 4));
                break;
            case AddressFamily.InterNetworkV6 when raw.Length >= 24:
                WriteXorAddress(BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), raw.Slice(8, 16));
                break;
            default:
                throw new ArgumentException("Only IPv4 and IPv6 socket addresses can be mapped.", nameof(address));
        }
    }

    /// <summary>XOR-MAPPED-ADDRESS (RFC 8489 §14.2) from an end point; IPv4-mapped IPv6 is written as IPv4.</summary>
    public void AddXorMappedAddress(IPEndPoint endPoint)
    {
        Span<byte> address = stackalloc byte[16];
        if (endPoint.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || !endPoint.Address.TryWriteBytes(address, out var written))
        {
            throw new ArgumentException("Only IPv4 and IPv6 end points can be mapped.", nameof(endPoint));
        }

        WriteXorAddress((ushort)endPoint.Port, address[..written]);
    }

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public void AddPriority(uint priority) =>
        BinaryPrimitives.WriteUInt32BigEndian(Reserve(StunAttributeType.Priority, 4), priority);

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2): an attribute with no value.</summary>
    public void AddUseCandidate() => Reserve(StunAttributeType.UseCandidate, 0);

    /// <summary>ICE-CONTROLLING (RFC 8445 §7.1.3).</summary>
    public void AddIceControlling(ulong tieBreaker) =>
        BinaryPrimitives.WriteUInt64BigEndian(Reserve(StunAttributeType.IceControlling, 8), tieBreaker);

    /// <summary>ICE-CONTROLLED (RFC 8445 §7.1.3).</summary>
    public void AddIceControlled(ulong tieBreaker) =>
        BinaryPrimitives.WriteUInt64BigEndian(Reserve(StunAttributeType.IceControlled, 8), tieBreaker);

    /// <summary>
    /// ERROR-CODE (RFC 8489 §14.8): <paramref name="code"/> 300..699, e.g. 400 Bad Request,
    /// 401 Unauthorized, 420 Unknown Attribute, 487 Role Conflict (RFC 8445 §7.3.1.1).
    /// </summary>
    public void AddErrorCode(int code, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 699);
        var reasonLength = Encoding.UTF8.GetByteCount(reason);
        if (reasonLength > MaxTextBytes)
        {
            StunThrow.ValueTooLong("The ERROR-CODE reason", MaxTextBytes);
        }

        var value = Reserve(StunAttributeType.ErrorCode, 4 + reasonLength);
        value[0] = 0;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, value[4..]);
    }

    /// <summary>SOFTWARE (RFC 8489 §14.14).</summary>
    public void AddSoftware(string software)
    {
        var length = Encoding.UTF8.GetByteCount(software);
        if (length > MaxTextBytes)
        {
            StunThrow.ValueTooLong("SOFTWARE", MaxTextBytes);
        }

        Encoding.UTF8.GetBytes(software, Reserve(StunAttributeType.Software, length));
    }

    /// <summary>
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5): the header length is first set to end after this
    /// attribute, then HMAC-SHA1 is taken over everything before it. Only FINGERPRINT may follow.
    /// </summary>
    public void AddMessageIntegrity(ReadOnlySpan<byte> key)
    {
        var covered = _length;
        var value = Reserve(StunAttributeType.MessageIntegrity, StunMessage.IntegrityLength);
        HMACSHA1.HashData(key, _buffer[..covered], value);
        _hasIntegrity = true;
    }

    /// <summary>
    /// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message before it, with the header length
    /// already counting it, XORed with 0x5354554E. Must be the last attribute.
    /// </summary>
    public void AddFingerprint()
    {
        var covered = _length;
        var value = Reserve(StunAttributeType.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, Crc32.Compute(_buffer[..covered]) ^ StunMessage.FingerprintXor);
        _hasFingerprint = true;
    }

    private void WriteXorAddress(ushort port, scoped ReadOnlySpan<byte> address)
    {
        if (address.Length == 16 && IsIPv4Mapped(address))
        {
            address = address[12..];
        }

        var value = Reserve(StunAttributeType.XorMappedAddress, 4 + address.Length);
        value[0] = 0;
        value[1] = address.Length == 4 ? (byte)0x01 : (byte)0x02;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)(port ^ (StunMessage.MagicCookie >> 16)));

        // The XOR pad is the magic cookie then the transaction id: header bytes 4..20.
        var pad = _buffer.Slice(4, address.Length);
        for (var i = 0; i < address.Length; i++)
        {
            value[4 + i] = (byte)(address[i] ^ pad[i]);
        }
    }

    private static bool IsIPv4Mapped(ReadOnlySpan<byte> address) =>
        address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xFF && address[11] == 0xFF;

    /// <summary>Appends an attribute header and padding, updates the message length, returns the value bytes.</summary>
    private Span<byte> Reserve(StunAttributeType type, int valueLength, byte padding = 0)
    {
        if (_hasFingerprint)
        {
            StunThrow.AttributeAfter("FINGERPRINT");
        }

        if (_hasIntegrity && type is not (StunAttributeType.Fingerprint or StunAttributeType.MessageIntegritySha256))
        {
            StunThrow.AttributeAfter("MESSAGE-INTEGRITY");
        }

        var total = 4 + ((valueLength + 3) & ~3);
        if (valueLength > ushort.MaxValue
            || total > _buffer.Length - _length
            || _length + total - StunMessage.HeaderLength > ushort.MaxValue)
        {
            StunThrow.BufferTooSmall();
        }

        var attribute = _buffer.Slice(_length, total);
        BinaryPrimitives.WriteUInt16BigEndian(attribute, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)valueLength);
        attribute[(4 + valueLength)..].Fill(padding);
        _length += total;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderLength));
        return attribute.Slice(4, valueLength);
    }
}
