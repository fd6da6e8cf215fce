namespace Sluice.Rtc.Dtls;

/// <summary>Hash functions allowed in an a=fingerprint attribute (RFC 8122 §5, names from the IANA hash function textual names registry).</summary>
public enum DtlsHashAlgorithm
{
    Sha1 = 0,
    Sha224 = 1,
    Sha256 = 2,
    Sha384 = 3,
    Sha512 = 4,
}
