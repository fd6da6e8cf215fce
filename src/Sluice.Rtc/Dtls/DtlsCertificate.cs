using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// The local DTLS identity: a self-signed certificate whose fingerprint goes into our SDP (RFC 8827 §6.5,
/// RFC 5763 §5) and the OpenSSL <c>SSL_CTX</c> configured with it. One context per certificate is shared by
/// every <see cref="DtlsTransport"/> using it, so a new association only costs an <c>SSL_new</c>; everything
/// that varies per association (role, SRTP profiles, verify target) is set on the <c>SSL</c>.
/// </summary>
public sealed class DtlsCertificate : IDisposable
{
    /// <summary>
    /// What Chromium offers for DTLS 1.2 (ECDSA first, our certificate type) plus the ECDHE-RSA equivalents
    /// for peers that present RSA certificates. All are AEAD with forward secrecy.
    /// </summary>
    private static ReadOnlySpan<byte> CipherList =>
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305\0"u8;

    private static ReadOnlySpan<byte> Groups => "X25519:P-256:P-384\0"u8;

    private readonly byte[] _der;
    private readonly SslContextHandle _context;

    private DtlsCertificate(byte[] der, SslContextHandle context)
    {
        _der = der;
        _context = context;
        Fingerprint = DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha256, der);
    }

    /// <summary>The certificate in DER form.</summary>
    public ReadOnlyMemory<byte> Der => _der;

    /// <summary>SHA-256 fingerprint for <c>a=fingerprint</c>, the hash every browser uses (RFC 8122 §5).</summary>
    public DtlsFingerprint Fingerprint { get; }

    internal SslContextHandle Context => _context;

    /// <summary>
    /// Generates an ECDSA P-256 key and a self-signed certificate (CN=sluice, valid from yesterday for 30 days,
    /// so a peer with a slightly wrong clock still accepts it). Call once at start: key generation costs ~1 ms.
    /// </summary>
    public static DtlsCertificate Generate() => Generate(TimeProvider.System);

    /// <inheritdoc cref="Generate()"/>
    public static DtlsCertificate Generate(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sluice", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = timeProvider.GetUtcNow();
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return FromDer(certificate.RawData, key.ExportPkcs8PrivateKey());
    }

    /// <summary>
    /// Loads an existing certificate (DER) and its PKCS#8 private key (EC or RSA). Throws on invalid input:
    /// this is configuration, not network input.
    /// </summary>
    public static unsafe DtlsCertificate FromDer(ReadOnlySpan<byte> certificateDer, ReadOnlySpan<byte> pkcs8PrivateKey)
    {
        nint x509 = 0;
        nint key = 0;
        nint context = 0;
        try
        {
            OpenSsl.ERR_clear_error();
            fixed (byte* der = certificateDer)
            fixed (byte* pkcs8 = pkcs8PrivateKey)
            {
                byte* cursor = der;
                x509 = OpenSsl.d2i_X509(null, &cursor, certificateDer.Length);
                cursor = pkcs8;
                key = OpenSsl.d2i_AutoPrivateKey(null, &cursor, pkcs8PrivateKey.Length);
            }

            if (x509 == 0 || key == 0)
            {
                throw new ArgumentException(OpenSsl.TakeErrors("Invalid certificate or private key."));
            }

            context = CreateContext(x509, key);
            var handle = new SslContextHandle(context);
            context = 0;
            return new DtlsCertificate(certificateDer.ToArray(), handle);
        }
        finally
        {
            // SSL_CTX_use_* took their own references.
            if (x509 != 0)
            {
                OpenSsl.X509_free(x509);
            }

            if (key != 0)
            {
                OpenSsl.EVP_PKEY_free(key);
            }

            if (context != 0)
            {
                OpenSsl.SSL_CTX_free(context);
            }
        }
    }

    public void Dispose() => _context.Dispose();

    /// <summary>DTLS 1.2 only (RFC 8827 §6.5 requires at least 1.2; OpenSSL 3.0 has no DTLS 1.3).</summary>
    private static unsafe nint CreateContext(nint x509, nint key)
    {
        nint context = OpenSsl.SSL_CTX_new(OpenSsl.DTLS_method());
        if (context == 0)
        {
            throw new InvalidOperationException(OpenSsl.TakeErrors("SSL_CTX_new failed."));
        }

        try
        {
            Check(OpenSsl.SSL_CTX_use_certificate(context, x509) == 1, "SSL_CTX_use_certificate");
            Check(OpenSsl.SSL_CTX_use_PrivateKey(context, key) == 1, "SSL_CTX_use_PrivateKey");
            Check(OpenSsl.SSL_CTX_check_private_key(context) == 1, "SSL_CTX_check_private_key");
            Check(OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SslCtrlSetMinProtoVersion, OpenSsl.Dtls12Version, null) == 1, "min version");
            Check(OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SslCtrlSetMaxProtoVersion, OpenSsl.Dtls12Version, null) == 1, "max version");
            fixed (byte* ciphers = CipherList)
            fixed (byte* groups = Groups)
            {
                Check(OpenSsl.SSL_CTX_set_cipher_list(context, ciphers) == 1, "SSL_CTX_set_cipher_list");
                Check(OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SslCtrlSetGroupsList, 0, groups) == 1, "SSL_CTX_set1_groups_list");
            }

            // NO_QUERY_MTU: a memory BIO cannot report a path MTU, and without it OpenSSL falls back to ~256-byte
            // fragments. No tickets, no session cache: every association is a full handshake, so the peer's
            // certificate is always presented and checked against the SDP fingerprint. No renegotiation: WebRTC
            // never uses it and it would be a second, unpinned handshake.
            OpenSsl.SSL_CTX_set_options(
                context,
                OpenSsl.SslOpNoQueryMtu | OpenSsl.SslOpNoTicket | OpenSsl.SslOpNoRenegotiation | OpenSsl.SslOpCipherServerPreference);
            OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SslCtrlSetSessionCacheMode, 0, null);

            // The peer's certificate is self-signed, so chain verification always fails; the callback accepts it
            // only when it matches the fingerprint from the SDP. FAIL_IF_NO_PEER_CERT makes the server demand one.
            OpenSsl.SSL_CTX_set_verify(
                context, OpenSsl.SslVerifyPeer | OpenSsl.SslVerifyFailIfNoPeerCert, &DtlsTransport.OnVerifyCertificate);
            return context;
        }
        catch
        {
            OpenSsl.SSL_CTX_free(context);
            throw;
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException(OpenSsl.TakeErrors(what + " failed."));
        }
    }
}
