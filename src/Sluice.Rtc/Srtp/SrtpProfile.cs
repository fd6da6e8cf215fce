namespace Sluice.Rtc.Srtp;

/// <summary>
/// DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2), with their IANA values.
/// </summary>
public enum SrtpProfile : ushort
{
    Aes128CmHmacSha1_80 = 0x0001,
    AeadAes128Gcm = 0x0007,
}
