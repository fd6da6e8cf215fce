using System.Diagnostics.CodeAnalysis;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// Sizes of the two DTLS-SRTP protection profiles we support: AES_CM_128_HMAC_SHA1_80
/// (RFC 5764 §4.1.2, RFC 3711 §8.2) and AEAD_AES_128_GCM (RFC 7714 §12, §14.2).
/// </summary>
public static class SrtpProfiles
{
    /// <summary>Length of the SRTCP E flag plus 31-bit index word (RFC 3711 §3.4).</summary>
    public const int RtcpIndexLength = 4;

    /// <summary>Master key length in octets; 16 for both profiles.</summary>
    public static int MasterKeyLength(SrtpProfile p) => p switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => 16,
        SrtpProfile.AeadAes128Gcm => 16,
        _ => ThrowUnknown(p),
    };

    /// <summary>Master salt length in octets: 14 for AES-CM (RFC 3711 §8.2), 12 for GCM (RFC 7714 §12).</summary>
    public static int MasterSaltLength(SrtpProfile p) => p switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => 14,
        SrtpProfile.AeadAes128Gcm => 12,
        _ => ThrowUnknown(p),
    };

    /// <summary>Octets SRTP adds to an RTP packet: the 80-bit HMAC tag or the 16-octet GCM tag.</summary>
    public static int RtpOverhead(SrtpProfile p) => p switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => 10,
        SrtpProfile.AeadAes128Gcm => 16,
        _ => ThrowUnknown(p),
    };

    /// <summary>Octets SRTCP adds to an RTCP packet: the tag plus the E|SRTCP index word.</summary>
    public static int RtcpOverhead(SrtpProfile p) => RtpOverhead(p) + RtcpIndexLength;

    /// <summary>
    /// Length of the exporter output DTLS-SRTP needs: 2 × (key + salt) (RFC 5764 §4.2).
    /// </summary>
    public static int KeyingMaterialLength(SrtpProfile p) => 2 * (MasterKeyLength(p) + MasterSaltLength(p));

    [DoesNotReturn]
    private static int ThrowUnknown(SrtpProfile p) =>
        throw new ArgumentOutOfRangeException(nameof(p), p, "Unsupported SRTP protection profile.");
}
