using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sluice.Rtc.Sctp;

/// <summary>
/// The state cookie of an INIT-ACK (RFC 9260 §5.1.3): everything the association needs to come up from a
/// COOKIE-ECHO, so an INIT costs no state, signed with HMAC-SHA256 under a per-association secret and stamped
/// with its creation time so a replayed or forged cookie is refused.
/// </summary>
internal readonly record struct SctpStateCookie(
    uint LocalTag,
    uint PeerTag,
    uint LocalInitialTsn,
    uint PeerInitialTsn,
    uint PeerReceiverWindow,
    ushort PeerInboundStreams,
    ushort PeerOutboundStreams,
    bool PeerSupportsForwardTsn,
    bool PeerSupportsReconfig,
    long CreatedMilliseconds)
{
    private const int BodyLength = 4 + 4 + 4 + 4 + 4 + 2 + 2 + 1 + 8;
    private const int MacLength = 32;
    public const int Length = BodyLength + MacLength;

    public void Write(Span<byte> destination, ReadOnlySpan<byte> secret)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, LocalTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], PeerTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], LocalInitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], PeerInitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], PeerReceiverWindow);
        BinaryPrimitives.WriteUInt16BigEndian(destination[20..], PeerInboundStreams);
        BinaryPrimitives.WriteUInt16BigEndian(destination[22..], PeerOutboundStreams);
        destination[24] = (byte)((PeerSupportsForwardTsn ? 1 : 0) | (PeerSupportsReconfig ? 2 : 0));
        BinaryPrimitives.WriteInt64BigEndian(destination[25..], CreatedMilliseconds);
        HMACSHA256.HashData(secret, destination[..BodyLength], destination.Slice(BodyLength, MacLength));
    }

    /// <summary>False for a cookie of the wrong length or whose signature does not verify.</summary>
    public static bool TryRead(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> secret, out SctpStateCookie result)
    {
        result = default;
        if (cookie.Length != Length)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(secret, cookie[..BodyLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, cookie.Slice(BodyLength, MacLength)))
        {
            return false;
        }

        result = new SctpStateCookie(
            BinaryPrimitives.ReadUInt32BigEndian(cookie),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(cookie[20..]),
            BinaryPrimitives.ReadUInt16BigEndian(cookie[22..]),
            (cookie[24] & 1) != 0,
            (cookie[24] & 2) != 0,
            BinaryPrimitives.ReadInt64BigEndian(cookie[25..]));
        return true;
    }
}
