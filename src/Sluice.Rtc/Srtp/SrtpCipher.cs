namespace Sluice.Rtc.Srtp;

/// <summary>
/// The per-profile transform behind <see cref="SrtpContext"/>: holds the session keys of both SRTP
/// and SRTCP and encrypts/authenticates one packet whose index the context has already settled.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    /// <summary>Octets after the RTP payload.</summary>
    public abstract int RtpTagLength { get; }

    /// <summary>Distance of the E|SRTCP index word from the end of an SRTCP packet.</summary>
    public abstract int RtcpIndexOffsetFromEnd { get; }

    /// <summary>Encrypts buffer[headerLength..length] in place and writes the tag at buffer[length..].</summary>
    public abstract void ProtectRtp(Span<byte> buffer, int headerLength, int length, uint ssrc, ulong index);

    /// <summary>Verifies the tag at the end of <paramref name="packet"/>, then decrypts the payload in place.</summary>
    public abstract bool UnprotectRtp(Span<byte> packet, int headerLength, uint ssrc, ulong index);

    /// <summary>Encrypts buffer[8..length] and appends the E|index word and the tag.</summary>
    public abstract void ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint index);

    /// <summary>Verifies the SRTCP packet and, when <paramref name="encrypted"/>, decrypts it in place.</summary>
    public abstract bool UnprotectRtcp(Span<byte> packet, uint ssrc, uint index, bool encrypted);

    public abstract void Dispose();

    /// <summary>Runs the key derivation (RFC 3711 §4.3) and keys the profile's transform.</summary>
    public static SrtpCipher FromMasterKey(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool useHardware)
    {
        int saltLength = SrtpProfiles.MasterSaltLength(profile);
        Span<byte> rtpKey = stackalloc byte[AesCounterMode.KeyLength];
        Span<byte> rtcpKey = stackalloc byte[AesCounterMode.KeyLength];
        Span<byte> rtpSalt = stackalloc byte[saltLength];
        Span<byte> rtcpSalt = stackalloc byte[saltLength];
        Span<byte> rtpAuth = stackalloc byte[AesCmHmacSha1Cipher.AuthKeyLength];
        Span<byte> rtcpAuth = stackalloc byte[AesCmHmacSha1Cipher.AuthKeyLength];
        try
        {
            using (var prf = new AesCounterMode(masterKey))
            {
                SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyLabel.RtpEncryption, rtpKey);
                SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyLabel.RtpSalt, rtpSalt);
                SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyLabel.RtcpEncryption, rtcpKey);
                SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyLabel.RtcpSalt, rtcpSalt);
                if (profile == SrtpProfile.Aes128CmHmacSha1_80)
                {
                    SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyLabel.RtpAuthentication, rtpAuth);
                    SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyLabel.RtcpAuthentication, rtcpAuth);
                }
            }

            return FromSessionKeys(profile, rtpKey, rtpSalt, rtpAuth, rtcpKey, rtcpSalt, rtcpAuth, useHardware);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(rtpKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(rtcpKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(rtpAuth);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(rtcpAuth);
        }
    }

    /// <summary>Keys the transform with session keys directly (test vectors give them that way).</summary>
    public static SrtpCipher FromSessionKeys(
        SrtpProfile profile,
        ReadOnlySpan<byte> rtpKey,
        ReadOnlySpan<byte> rtpSalt,
        ReadOnlySpan<byte> rtpAuthKey,
        ReadOnlySpan<byte> rtcpKey,
        ReadOnlySpan<byte> rtcpSalt,
        ReadOnlySpan<byte> rtcpAuthKey,
        bool useHardware) => profile switch
        {
            SrtpProfile.Aes128CmHmacSha1_80 =>
                new AesCmHmacSha1Cipher(rtpKey, rtpSalt, rtpAuthKey, rtcpKey, rtcpSalt, rtcpAuthKey, useHardware),
            SrtpProfile.AeadAes128Gcm => new AeadAesGcmCipher(rtpKey, rtpSalt, rtcpKey, rtcpSalt),
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile."),
        };
}
