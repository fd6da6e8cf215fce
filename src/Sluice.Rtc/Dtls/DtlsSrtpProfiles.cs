using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// What the DTLS side needs to know about SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2).
/// Key and salt lengths are repeated here on purpose: the Srtp folder owns the SRTP contexts, and the
/// exporter length is all DTLS needs.
/// </summary>
internal static class DtlsSrtpProfiles
{
    private const int MasterKeyLength = 16;

    /// <summary>OpenSSL's name for the profile in <c>SSL_set_tlsext_use_srtp</c>'s colon-separated list.</summary>
    public static ReadOnlySpan<byte> GetOpenSslName(SrtpProfile profile) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => "SRTP_AES128_CM_SHA1_80"u8,
        SrtpProfile.AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile."),
    };

    /// <summary>
    /// RFC 5764 §4.2: client key, server key, client salt, server salt, i.e. 2 × (key + salt).
    /// Salts are 14 bytes for AES-CM (RFC 3711 §8.2) and 12 for AEAD-GCM (RFC 7714 §14.2).
    /// </summary>
    public static int GetKeyingMaterialLength(SrtpProfile profile) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => 2 * (MasterKeyLength + 14),
        SrtpProfile.AeadAes128Gcm => 2 * (MasterKeyLength + 12),
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile."),
    };

    /// <summary>Builds the NUL-terminated preference list, e.g. <c>SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80</c>.</summary>
    public static byte[] BuildOpenSslList(ReadOnlySpan<SrtpProfile> profiles)
    {
        int length = 0;
        foreach (SrtpProfile profile in profiles)
        {
            length += GetOpenSslName(profile).Length + 1;
        }

        var list = new byte[Math.Max(length, 1)];
        int at = 0;
        foreach (SrtpProfile profile in profiles)
        {
            if (at > 0)
            {
                list[at - 1] = (byte)':';
            }

            ReadOnlySpan<byte> name = GetOpenSslName(profile);
            name.CopyTo(list.AsSpan(at));
            at += name.Length + 1;
        }

        return list;
    }
}
