using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Sluice.Rtc.Stun;

/// <summary>
/// A parsed STUN message over the received datagram (RFC 8489 §5, §14), without copying it.
/// </summary>
/// <remarks>
/// <para>
/// Message layout (RFC 8489 §5):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Magic Cookie (0x2112A442)                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Transaction ID (96 bits)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  attributes (type, length, value, padding)    |
/// </code>
/// </para>
/// <para>
/// Attribute look-ups follow RFC 8489 §14.5 and §14.7: anything after MESSAGE-INTEGRITY other than
/// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT is ignored, and nothing after FINGERPRINT is seen, so
/// an attacker cannot append unauthenticated attributes to a signed message.
/// </para>
/// <para>
/// ICE uses short-term credentials (RFC 8445 §7.2.2, RFC 8489 §9.1.1): the MESSAGE-INTEGRITY key
/// is the UTF-8 bytes of the password (ice-pwd). OpaqueString preparation is a no-op for ICE
/// passwords, which are restricted to ice-chars (RFC 8839 §5.4).
/// </para>
/// </remarks>
public readonly ref struct StunMessage
{
    /// <summary>RFC 8489 §5: the fixed value in bytes 4..8 of every message.</summary>
    public const uint MagicCookie = 0x2112A442;

    public const int HeaderLength = 20;

    public const int TransactionIdLength = 12;

    /// <summary>RFC 8489 §14.7: XORed into the CRC-32 so that FINGERPRINT differs from other protocols' CRCs.</summary>
    internal const uint FingerprintXor = 0x5354554E;

    internal const int IntegrityLength = 20;

    // Larger messages (rare: STUN for ICE stays well below the MTU) use a pooled buffer instead.
    private const int StackCopyLimit = 1500;

    private readonly ReadOnlySpan<byte> _raw;

    // Offsets of the first MESSAGE-INTEGRITY and FINGERPRINT attributes; 0 (inside the header, so
    // never a real offset) when absent, which keeps a default instance safe to use.
    private readonly int _integrityOffset;
    private readonly int _fingerprintOffset;

    private StunMessage(ReadOnlySpan<byte> raw, int integrityOffset, int fingerprintOffset)
    {
        _raw = raw;
        _integrityOffset = integrityOffset;
        _fingerprintOffset = fingerprintOffset;
    }

    /// <summary>
    /// Cheap test for multiplexed sockets (RFC 7983, RFC 8489 §5): top two bits zero, the magic
    /// cookie, and a length field, a multiple of 4, that accounts for the rest of the datagram.
    /// </summary>
    public static bool IsStun(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < HeaderLength || (datagram[0] & 0xC0) != 0)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        return (length & 3) == 0
            && length == datagram.Length - HeaderLength
            && BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == MagicCookie;
    }

    /// <summary>
    /// Parses one datagram as a STUN message: the header must pass <see cref="IsStun"/> and the
    /// attribute TLVs, with padding, must tile the body exactly. Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out StunMessage message)
    {
        message = default;
        if (!IsStun(datagram))
        {
            return false;
        }

        var integrityOffset = 0;
        var fingerprintOffset = 0;
        var reader = new StunAttributeReader(datagram[HeaderLength..]);
        while (true)
        {
            var offset = HeaderLength + reader.Position;
            if (!reader.TryRead(out var type, out _))
            {
                break;
            }

            if (type == StunAttributeType.MessageIntegrity && integrityOffset == 0)
            {
                integrityOffset = offset;
            }
            else if (type == StunAttributeType.Fingerprint && fingerprintOffset == 0)
            {
                fingerprintOffset = offset;
            }
        }

        if (!reader.AtEnd)
        {
            return false;
        }

        message = new StunMessage(datagram, integrityOffset, fingerprintOffset);
        return true;
    }

    /// <summary>The 14-bit method and class as on the wire; values outside the enum are possible.</summary>
    public StunMessageType Type =>
        _raw.Length >= HeaderLength ? (StunMessageType)BinaryPrimitives.ReadUInt16BigEndian(_raw) : default;

    public ReadOnlySpan<byte> TransactionId =>
        _raw.Length >= HeaderLength ? _raw.Slice(8, TransactionIdLength) : default;

    /// <summary>The whole message, header included.</summary>
    public ReadOnlySpan<byte> Raw => _raw;

    /// <summary>Every attribute in wire order, without the RFC 8489 §14.5 filtering of look-ups.</summary>
    public StunAttributeReader Attributes =>
        new(_raw.Length >= HeaderLength ? _raw[HeaderLength..] : default);

    /// <summary>USERNAME (RFC 8489 §14.3); for ICE "remote-ufrag:local-ufrag" (RFC 8445 §7.2.2). Empty if absent.</summary>
    public ReadOnlySpan<byte> Username =>
        TryGetAttribute(StunAttributeType.Username, out var value) ? value : default;

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2): nomination by the controlling agent.</summary>
    public bool HasUseCandidate => TryGetAttribute(StunAttributeType.UseCandidate, out _);

    public bool HasMessageIntegrity => _integrityOffset > 0;

    public bool HasFingerprint => _fingerprintOffset > 0;

    /// <summary>
    /// The value of the first attribute of <paramref name="type"/>, ignoring what RFC 8489 §14.5
    /// and §14.7 say to ignore after MESSAGE-INTEGRITY and FINGERPRINT.
    /// </summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        var allowedAfterIntegrity = type is StunAttributeType.Fingerprint or StunAttributeType.MessageIntegritySha256;
        var afterIntegrity = false;
        var reader = Attributes;
        while (reader.TryRead(out var current, out var currentValue))
        {
            if (current == type && (!afterIntegrity || allowedAfterIntegrity))
            {
                value = currentValue;
                return true;
            }

            if (current == StunAttributeType.Fingerprint)
            {
                break;
            }

            if (current == StunAttributeType.MessageIntegrity)
            {
                afterIntegrity = true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>PRIORITY (RFC 8445 §7.1.1): 32-bit priority of the peer-reflexive candidate.</summary>
    public bool TryGetPriority(out uint priority)
    {
        if (TryGetAttribute(StunAttributeType.Priority, out var value) && value.Length == 4)
        {
            priority = BinaryPrimitives.ReadUInt32BigEndian(value);
            return true;
        }

        priority = 0;
        return false;
    }

    /// <summary>ICE-CONTROLLING (RFC 8445 §7.1.3): the sender's 64-bit tie-breaker.</summary>
    public bool TryGetIceControlling(out ulong tieBreaker) =>
        TryGetUInt64(StunAttributeType.IceControlling, out tieBreaker);

    /// <summary>ICE-CONTROLLED (RFC 8445 §7.1.3): the sender's 64-bit tie-breaker.</summary>
    public bool TryGetIceControlled(out ulong tieBreaker) =>
        TryGetUInt64(StunAttributeType.IceControlled, out tieBreaker);

    /// <summary>ERROR-CODE (RFC 8489 §14.8) as class * 100 + number, e.g. 487.</summary>
    public bool TryGetErrorCode(out int code) => TryGetErrorCode(out code, out _);

    /// <summary>ERROR-CODE (RFC 8489 §14.8) with its UTF-8 reason phrase.</summary>
    public bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reason)
    {
        if (TryGetAttribute(StunAttributeType.ErrorCode, out var value) && value.Length >= 4)
        {
            var errorClass = value[2] & 0x07;
            var number = value[3];
            if (errorClass is >= 3 and <= 6 && number <= 99)
            {
                code = (errorClass * 100) + number;
                reason = value[4..];
                return true;
            }
        }

        code = 0;
        reason = default;
        return false;
    }

    /// <summary>
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2), IPv4 or IPv6. Allocates the result: meant for the
    /// client side (server-reflexive discovery), not the per-packet path.
    /// </summary>
    public bool TryGetXorMappedAddress(out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!TryGetAttribute(StunAttributeType.XorMappedAddress, out var value) || value.Length < 4)
        {
            return false;
        }

        int addressLength;
        switch (value[1])
        {
            case 0x01 when value.Length == 8:
                addressLength = 4;
                break;
            case 0x02 when value.Length == 20:
                addressLength = 16;
                break;
            default:
                return false;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (int)(MagicCookie >> 16);

        // The XOR pad is the magic cookie then the transaction id: header bytes 4..20.
        var pad = _raw.Slice(4, addressLength);
        Span<byte> address = stackalloc byte[16];
        address = address[..addressLength];
        for (var i = 0; i < addressLength; i++)
        {
            address[i] = (byte)(value[4 + i] ^ pad[i]);
        }

        endPoint = new IPEndPoint(new IPAddress(address), port);
        return true;
    }

    /// <summary>
    /// Checks MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over the message up to the attribute,
    /// with the header length field rewritten to end just after it. Compares in constant time and
    /// does not allocate. For ICE, <paramref name="key"/> is the UTF-8 password.
    /// </summary>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key)
    {
        if (_integrityOffset == 0
            || BinaryPrimitives.ReadUInt16BigEndian(_raw[(_integrityOffset + 2)..]) != IntegrityLength)
        {
            return false;
        }

        var covered = _integrityOffset;
        byte[]? rented = null;
        Span<byte> copy = covered <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(covered));
        copy = copy[..covered];
        _raw[..covered].CopyTo(copy);
        BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)(covered - HeaderLength + 4 + IntegrityLength));

        Span<byte> mac = stackalloc byte[IntegrityLength];
        HMACSHA1.HashData(key, copy, mac);
        var valid = CryptographicOperations.FixedTimeEquals(mac, _raw.Slice(_integrityOffset + 4, IntegrityLength));

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return valid;
    }

    /// <summary>
    /// Checks FINGERPRINT (RFC 8489 §14.7): it must be the last attribute, and hold the CRC-32 of
    /// the message before it, XORed with 0x5354554E.
    /// </summary>
    public bool VerifyFingerprint()
    {
        if (_fingerprintOffset == 0
            || _fingerprintOffset + 8 != _raw.Length
            || BinaryPrimitives.ReadUInt16BigEndian(_raw[(_fingerprintOffset + 2)..]) != 4)
        {
            return false;
        }

        var expected = Crc32.Compute(_raw[.._fingerprintOffset]) ^ FingerprintXor;
        return BinaryPrimitives.ReadUInt32BigEndian(_raw[(_fingerprintOffset + 4)..]) == expected;
    }

    private bool TryGetUInt64(StunAttributeType type, out ulong result)
    {
        if (TryGetAttribute(type, out var value) && value.Length == 8)
        {
            result = BinaryPrimitives.ReadUInt64BigEndian(value);
            return true;
        }

        result = 0;
        return false;
    }
}
