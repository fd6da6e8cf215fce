using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// AEAD_AES_128_GCM for SRTP (RFC 7714 §8) and SRTCP (RFC 7714 §9) with a 16-octet tag, on
/// persistent OpenSSL contexts (<see cref="OpenSslAesGcm"/>): one per packet kind and direction,
/// keyed once, so a packet costs only its IV, AAD and payload.
/// </summary>
/// <remarks>
/// An <see cref="SrtpContext"/> normally only protects (outbound) or only unprotects (inbound), but
/// both must work, and an OpenSSL context is keyed for one direction, hence four.
/// </remarks>
internal sealed class AeadAesGcmCipher : SrtpCipher
{
    public const int SaltLength = 12;
    private const int TagLength = OpenSslAesGcm.TagLength;
    private const int NonceLength = OpenSslAesGcm.NonceLength;
    private const int RtcpHeaderLength = 8;
    private const int IndexLength = SrtpProfiles.RtcpIndexLength;

    private readonly OpenSslAesGcm _rtpEncrypt;
    private readonly OpenSslAesGcm _rtpDecrypt;
    private readonly OpenSslAesGcm _rtcpEncrypt;
    private readonly OpenSslAesGcm _rtcpDecrypt;
    private readonly byte[] _rtpSalt;
    private readonly byte[] _rtcpSalt;

    public AeadAesGcmCipher(ReadOnlySpan<byte> rtpKey, ReadOnlySpan<byte> rtpSalt, ReadOnlySpan<byte> rtcpKey, ReadOnlySpan<byte> rtcpSalt)
    {
        if (rtpSalt.Length != SaltLength || rtcpSalt.Length != SaltLength)
        {
            throw new ArgumentException("The AEAD_AES_128_GCM session salt is 12 octets.");
        }

        try
        {
            _rtpEncrypt = OpenSslAesGcm.Create(rtpKey, encrypt: true);
            _rtpDecrypt = OpenSslAesGcm.Create(rtpKey, encrypt: false);
            _rtcpEncrypt = OpenSslAesGcm.Create(rtcpKey, encrypt: true);
            _rtcpDecrypt = OpenSslAesGcm.Create(rtcpKey, encrypt: false);
        }
        catch
        {
            // Free what was created now rather than at finalization; the rest are still null.
            _rtpEncrypt?.Dispose();
            _rtpDecrypt?.Dispose();
            _rtcpEncrypt?.Dispose();
            throw;
        }

        _rtpSalt = rtpSalt.ToArray();
        _rtcpSalt = rtcpSalt.ToArray();
    }

    public override int RtpTagLength => TagLength;

    public override int RtcpIndexOffsetFromEnd => IndexLength;

    public override void ProtectRtp(Span<byte> buffer, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        RtpNonce(_rtpSalt, ssrc, index, nonce);
        Span<byte> payload = buffer[headerLength..length];
        _rtpEncrypt.Encrypt(nonce, buffer[..headerLength], payload, buffer.Slice(length, TagLength));
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        RtpNonce(_rtpSalt, ssrc, index, nonce);
        int end = packet.Length - TagLength;
        Span<byte> payload = packet[headerLength..end];
        return _rtpDecrypt.TryDecrypt(nonce, packet[..headerLength], payload, packet[end..]);
    }

    public override void ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint index)
    {
        uint word = index | 0x8000_0000u;
        Span<byte> nonce = stackalloc byte[NonceLength];
        RtcpNonce(_rtcpSalt, ssrc, index, nonce);
        Span<byte> aad = stackalloc byte[RtcpHeaderLength + IndexLength];
        EncryptedRtcpAad(buffer, word, aad);
        Span<byte> body = buffer[RtcpHeaderLength..length];
        _rtcpEncrypt.Encrypt(nonce, aad, body, buffer.Slice(length, TagLength));
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(length + TagLength)..], word);
    }

    public override bool UnprotectRtcp(Span<byte> packet, uint ssrc, uint index, bool encrypted)
    {
        int tagStart = packet.Length - IndexLength - TagLength;
        uint word = BinaryPrimitives.ReadUInt32BigEndian(packet[(packet.Length - IndexLength)..]);
        Span<byte> nonce = stackalloc byte[NonceLength];
        RtcpNonce(_rtcpSalt, ssrc, index, nonce);
        if (encrypted)
        {
            Span<byte> aad = stackalloc byte[RtcpHeaderLength + IndexLength];
            EncryptedRtcpAad(packet, word, aad);
            Span<byte> body = packet[RtcpHeaderLength..tagStart];
            return _rtcpDecrypt.TryDecrypt(nonce, aad, body, packet.Slice(tagStart, TagLength));
        }

        // RFC 7714 §9.2, E = 0: the whole packet and then the ESRTCP word are AAD, the plaintext is
        // empty. Move the word next to the packet for one contiguous AAD, then put the tag back.
        Span<byte> tag = stackalloc byte[TagLength];
        packet.Slice(tagStart, TagLength).CopyTo(tag);
        BinaryPrimitives.WriteUInt32BigEndian(packet[tagStart..], word);
        bool ok = _rtcpDecrypt.TryDecrypt(nonce, packet[..(tagStart + IndexLength)], Span<byte>.Empty, tag);
        tag.CopyTo(packet[tagStart..]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[(packet.Length - IndexLength)..], word);
        return ok;
    }

    public override void Dispose()
    {
        _rtpEncrypt.Dispose();
        _rtpDecrypt.Dispose();
        _rtcpEncrypt.Dispose();
        _rtcpDecrypt.Dispose();
        CryptographicOperations.ZeroMemory(_rtpSalt);
        CryptographicOperations.ZeroMemory(_rtcpSalt);
    }

    /// <summary>RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt.</summary>
    internal static void RtpNonce(ReadOnlySpan<byte> salt, uint ssrc, ulong index, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt16BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[6..], (uint)(index >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(nonce[10..], (ushort)index);
        XorSalt(nonce, salt);
    }

    /// <summary>RFC 7714 §9.1: IV = (00 00 ‖ SSRC ‖ 00 00 ‖ 0 ‖ SRTCP index) XOR salt.</summary>
    internal static void RtcpNonce(ReadOnlySpan<byte> salt, uint ssrc, uint index, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt16BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(nonce[6..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], index & 0x7FFF_FFFFu);
        XorSalt(nonce, salt);
    }

    private static void XorSalt(Span<byte> nonce, ReadOnlySpan<byte> salt)
    {
        ulong head = BinaryPrimitives.ReadUInt64LittleEndian(nonce) ^ BinaryPrimitives.ReadUInt64LittleEndian(salt);
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]) ^ BinaryPrimitives.ReadUInt32LittleEndian(salt[8..]);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce, head);
        BinaryPrimitives.WriteUInt32LittleEndian(nonce[8..], tail);
    }

    /// <summary>RFC 7714 §9.1, E = 1: AAD = the first 8 octets (header and SSRC) ‖ E|SRTCP index.</summary>
    private static void EncryptedRtcpAad(ReadOnlySpan<byte> packet, uint word, Span<byte> aad)
    {
        packet[..RtcpHeaderLength].CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], word);
    }
}
