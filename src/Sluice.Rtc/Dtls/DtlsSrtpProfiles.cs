using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// How OpenSSL names the SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2); their key lengths are
/// <see cref="SrtpProfiles"/>'.
/// </summary>
internal static class DtlsSrtpProfiles
{
    /// <summary>OpenSSL's name for the profile in <c>SSL_set_tlsext_use_srtp</c>'s colon-separated list.</summary>
    public static ReadOnlySpan<byte> GetOpenSslName(SrtpProfile profile) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => "SRTP_AES128_CM_SHA1_80"u8,
        SrtpProfile.AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM"u8,
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
