using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// AES_CM_128_HMAC_SHA1_80: AES-128 counter mode (RFC 3711 §4.1.1) and HMAC-SHA1 truncated to
/// 80 bits (RFC 3711 §4.2.1), for SRTP and SRTCP (RFC 3711 §3.3, §3.4).
/// </summary>
/// <remarks>
/// The HMACs are <see cref="HmacSha1"/> instances with the pad states precomputed per session key, so a
/// packet costs no allocation and no per-call setup.
/// The ROC that SRTP authenticates after the packet is written where the tag will go, so the MAC
/// reads one contiguous span.
/// </remarks>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    /// <summary>n_a = 160 bits (RFC 3711 §8.2).</summary>
    public const int AuthKeyLength = 20;
    public const int SaltLength = 14;
    private const int TagLength = 10;
    private const int Sha1Length = HmacSha1.HashLength;
    private const int RtcpHeaderLength = 8;
    private const int IndexLength = SrtpProfiles.RtcpIndexLength;

    private readonly AesCounterMode _rtpCipher;
    private readonly AesCounterMode _rtcpCipher;
    private readonly Vector128<byte> _rtpSalt;
    private readonly Vector128<byte> _rtcpSalt;
    private readonly HmacSha1 _rtpMac;
    private readonly HmacSha1 _rtcpMac;

    public AesCmHmacSha1Cipher(
        ReadOnlySpan<byte> rtpKey,
        ReadOnlySpan<byte> rtpSalt,
        ReadOnlySpan<byte> rtpAuthKey,
        ReadOnlySpan<byte> rtcpKey,
        ReadOnlySpan<byte> rtcpSalt,
        ReadOnlySpan<byte> rtcpAuthKey,
        bool useHardware)
    {
        _rtpCipher = new AesCounterMode(rtpKey, useHardware);
        _rtcpCipher = new AesCounterMode(rtcpKey, useHardware);
        _rtpSalt = SaltBlock(rtpSalt);
        _rtcpSalt = SaltBlock(rtcpSalt);
        _rtpMac = new HmacSha1(rtpAuthKey);
        _rtcpMac = new HmacSha1(rtcpAuthKey);
    }

    public override int RtpTagLength => TagLength;

    public override int RtcpIndexOffsetFromEnd => TagLength + IndexLength;

    public bool UsesHardware => _rtpCipher.UsesHardware;

    public override void ProtectRtp(Span<byte> buffer, int headerLength, int length, uint ssrc, ulong index)
    {
        _rtpCipher.Apply(Iv(_rtpSalt, ssrc, index), buffer[headerLength..length]);
        Span<byte> mac = stackalloc byte[Sha1Length];
        RtpMac(buffer, length, (uint)(index >> 16), mac);
        mac[..TagLength].CopyTo(buffer[length..]);
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, uint ssrc, ulong index)
    {
        int authenticated = packet.Length - TagLength;
        Span<byte> tag = stackalloc byte[TagLength];
        packet[authenticated..].CopyTo(tag);
        Span<byte> mac = stackalloc byte[Sha1Length];
        RtpMac(packet, authenticated, (uint)(index >> 16), mac);
        tag.CopyTo(packet[authenticated..]);
        if (!CryptographicOperations.FixedTimeEquals(mac[..TagLength], tag))
        {
            return false;
        }

        _rtpCipher.Apply(Iv(_rtpSalt, ssrc, index), packet[headerLength..authenticated]);
        return true;
    }

    public override void ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint index)
    {
        _rtcpCipher.Apply(Iv(_rtcpSalt, ssrc, index), buffer[RtcpHeaderLength..length]);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], index | 0x8000_0000u);
        Span<byte> mac = stackalloc byte[Sha1Length];
        _rtcpMac.Compute(buffer[..(length + IndexLength)], mac);
        mac[..TagLength].CopyTo(buffer[(length + IndexLength)..]);
    }

    public override bool UnprotectRtcp(Span<byte> packet, uint ssrc, uint index, bool encrypted)
    {
        int authenticated = packet.Length - TagLength;
        Span<byte> mac = stackalloc byte[Sha1Length];
        _rtcpMac.Compute(packet[..authenticated], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..TagLength], packet[authenticated..]))
        {
            return false;
        }

        if (encrypted)
        {
            _rtcpCipher.Apply(Iv(_rtcpSalt, ssrc, index), packet[RtcpHeaderLength..(authenticated - IndexLength)]);
        }

        return true;
    }

    public override void Dispose()
    {
        _rtpCipher.Dispose();
        _rtcpCipher.Dispose();
        _rtpMac.Dispose();
        _rtcpMac.Dispose();
    }

    /// <summary>RFC 3711 §4.1.1: IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16).</summary>
    internal static Vector128<byte> Iv(Vector128<byte> salt, uint ssrc, ulong index) =>
        salt ^ Vector128.Create(
            BinaryPrimitives.ReverseEndianness((ulong)ssrc),
            BinaryPrimitives.ReverseEndianness(index << 16)).AsByte();

    /// <summary>The session salt shifted left 16 bits, as a 16-octet block.</summary>
    internal static Vector128<byte> SaltBlock(ReadOnlySpan<byte> salt)
    {
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException("The AES-CM session salt is 14 octets.", nameof(salt));
        }

        Span<byte> block = stackalloc byte[16];
        block.Clear();
        salt.CopyTo(block);
        return Vector128.Create<byte>(block);
    }

    /// <summary>RFC 3711 §4.2: HMAC over the authenticated portion ‖ ROC.</summary>
    private void RtpMac(Span<byte> buffer, int authenticated, uint roc, Span<byte> mac)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[authenticated..], roc);
        _rtpMac.Compute(buffer[..(authenticated + 4)], mac);
    }
}
