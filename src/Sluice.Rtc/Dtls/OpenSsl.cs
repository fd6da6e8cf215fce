using System.Runtime.InteropServices;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// The slice of OpenSSL 3 (libssl.so.3 / libcrypto.so.3) that DTLS-SRTP needs. Signatures are blittable
/// because the assembly disables runtime marshalling; C <c>long</c> is mapped to <see cref="nint"/>, which is
/// right on LP64 platforms (Linux, macOS), the only ones shipping these library names. Constants whose
/// OpenSSL API is a macro over <c>SSL_ctrl</c>/<c>BIO_ctrl</c> are spelled out here with the header they come from.
/// </summary>
internal static unsafe partial class OpenSsl
{
    private const string LibSsl = "libssl.so.3";
    private const string LibCrypto = "libcrypto.so.3";

    // ssl.h SSL_CTRL_* / DTLS_CTRL_*
    public const int SslCtrlSetMtu = 17;
    public const int SslCtrlSetSessionCacheMode = 44;
    public const int DtlsCtrlGetTimeout = 73;
    public const int DtlsCtrlHandleTimeout = 74;
    public const int SslCtrlSetGroupsList = 92;
    public const int DtlsCtrlSetLinkMtu = 120;
    public const int SslCtrlSetMinProtoVersion = 123;
    public const int SslCtrlSetMaxProtoVersion = 124;

    // bio.h
    public const int BioCtrlReset = 1;
    public const int BioCtrlInfo = 3;
    public const int BioSetBufMemEofReturn = 130;

    // prov_ssl.h
    public const int Dtls12Version = 0xFEFD;

    // ssl.h SSL_OP_*
    public const ulong SslOpNoQueryMtu = 1UL << 12;
    public const ulong SslOpNoTicket = 1UL << 14;
    public const ulong SslOpCipherServerPreference = 1UL << 22;
    public const ulong SslOpNoRenegotiation = 1UL << 30;

    public const int SslVerifyPeer = 0x01;
    public const int SslVerifyFailIfNoPeerCert = 0x02;

    public const int SslErrorSsl = 1;
    public const int SslErrorWantRead = 2;
    public const int SslErrorSyscall = 5;
    public const int SslErrorZeroReturn = 6;

    /// <summary>The ex_data slot that <c>SSL_set_app_data</c> uses; OpenSSL reserves index 0 for it.</summary>
    public const int SslAppDataIndex = 0;

    /// <summary><c>struct timeval</c> on LP64.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public nint Seconds;
        public nint Microseconds;
    }

    /// <summary><c>SRTP_PROTECTION_PROFILE</c> (ssl.h): <c>{ const char *name; unsigned long id; }</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SrtpProtectionProfile
    {
        public nint Name;
        public nuint Id;
    }

    // ---- libssl ----
    [LibraryImport(LibSsl)] public static partial nint DTLS_method();
    [LibraryImport(LibSsl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(LibSsl)] public static partial void SSL_CTX_free(nint ctx);
    [LibraryImport(LibSsl)] public static partial int SSL_CTX_use_certificate(nint ctx, nint x509);
    [LibraryImport(LibSsl)] public static partial int SSL_CTX_use_PrivateKey(nint ctx, nint pkey);
    [LibraryImport(LibSsl)] public static partial int SSL_CTX_check_private_key(nint ctx);
    [LibraryImport(LibSsl)] public static partial nint SSL_CTX_ctrl(nint ctx, int cmd, nint larg, void* parg);
    [LibraryImport(LibSsl)] public static partial int SSL_CTX_set_cipher_list(nint ctx, byte* list);
    [LibraryImport(LibSsl)] public static partial ulong SSL_CTX_set_options(nint ctx, ulong options);
    [LibraryImport(LibSsl)] public static partial void SSL_CTX_set_verify(nint ctx, int mode, delegate* unmanaged<int, nint, int> callback);

    [LibraryImport(LibSsl)] public static partial nint SSL_new(nint ctx);
    [LibraryImport(LibSsl)] public static partial void SSL_free(nint ssl);
    [LibraryImport(LibSsl)] public static partial void SSL_set_bio(nint ssl, nint rbio, nint wbio);
    [LibraryImport(LibSsl)] public static partial void SSL_set_connect_state(nint ssl);
    [LibraryImport(LibSsl)] public static partial void SSL_set_accept_state(nint ssl);
    [LibraryImport(LibSsl)] public static partial int SSL_do_handshake(nint ssl);
    [LibraryImport(LibSsl)] public static partial int SSL_get_error(nint ssl, int ret);
    [LibraryImport(LibSsl)] public static partial int SSL_read(nint ssl, byte* buffer, int length);
    [LibraryImport(LibSsl)] public static partial int SSL_write(nint ssl, byte* buffer, int length);
    [LibraryImport(LibSsl)] public static partial int SSL_shutdown(nint ssl);
    [LibraryImport(LibSsl)] public static partial nint SSL_ctrl(nint ssl, int cmd, nint larg, void* parg);
    [LibraryImport(LibSsl)] public static partial int SSL_set_ex_data(nint ssl, int index, nint data);
    [LibraryImport(LibSsl)] public static partial nint SSL_get_ex_data(nint ssl, int index);
    [LibraryImport(LibSsl)] public static partial int SSL_get_ex_data_X509_STORE_CTX_idx();
    [LibraryImport(LibSsl)] public static partial int SSL_set_tlsext_use_srtp(nint ssl, byte* profiles);
    [LibraryImport(LibSsl)] public static partial SrtpProtectionProfile* SSL_get_selected_srtp_profile(nint ssl);
    [LibraryImport(LibSsl)] public static partial nint SSL_get1_peer_certificate(nint ssl);
    [LibraryImport(LibSsl)] public static partial nint SSL_get_current_cipher(nint ssl);
    [LibraryImport(LibSsl)] public static partial nint SSL_get_pending_cipher(nint ssl);
    [LibraryImport(LibSsl)] public static partial byte* SSL_CIPHER_get_name(nint cipher);
    [LibraryImport(LibSsl)] public static partial void DTLS_set_timer_cb(nint ssl, delegate* unmanaged<nint, uint, uint> callback);
    [LibraryImport(LibSsl)]
    public static partial int SSL_export_keying_material(
        nint ssl, byte* output, nuint outputLength, byte* label, nuint labelLength, byte* context, nuint contextLength, int useContext);

    // ---- libcrypto ----
    [LibraryImport(LibCrypto)] public static partial nint BIO_s_mem();
    [LibraryImport(LibCrypto)] public static partial nint BIO_new(nint method);
    [LibraryImport(LibCrypto)] public static partial int BIO_free(nint bio);
    [LibraryImport(LibCrypto)] public static partial int BIO_write(nint bio, byte* data, int length);
    [LibraryImport(LibCrypto)] public static partial nint BIO_ctrl(nint bio, int cmd, nint larg, void* parg);

    [LibraryImport(LibCrypto)] public static partial nint d2i_X509(nint* reuse, byte** input, nint length);
    [LibraryImport(LibCrypto)] public static partial int i2d_X509(nint x509, byte** output);
    [LibraryImport(LibCrypto)] public static partial void X509_free(nint x509);
    [LibraryImport(LibCrypto)] public static partial nint d2i_AutoPrivateKey(nint* reuse, byte** input, nint length);
    [LibraryImport(LibCrypto)] public static partial void EVP_PKEY_free(nint pkey);
    [LibraryImport(LibCrypto)] public static partial nint X509_STORE_CTX_get_ex_data(nint storeContext, int index);
    [LibraryImport(LibCrypto)] public static partial nint X509_STORE_CTX_get0_cert(nint storeContext);

    [LibraryImport(LibCrypto)] public static partial nint EVP_sha1();
    [LibraryImport(LibCrypto)] public static partial nint EVP_sha224();
    [LibraryImport(LibCrypto)] public static partial nint EVP_sha256();
    [LibraryImport(LibCrypto)] public static partial nint EVP_sha384();
    [LibraryImport(LibCrypto)] public static partial nint EVP_sha512();
    [LibraryImport(LibCrypto)]
    public static partial int EVP_Digest(byte* data, nuint count, byte* digest, uint* size, nint type, nint engine);

    [LibraryImport(LibCrypto)] public static partial void ERR_clear_error();
    [LibraryImport(LibCrypto)] public static partial nuint ERR_get_error();
    [LibraryImport(LibCrypto)] public static partial void ERR_error_string_n(nuint error, byte* buffer, nuint length);

    /// <summary>Drains the calling thread's OpenSSL error queue into one message (allocates; failure paths only).</summary>
    public static string TakeErrors(string fallback)
    {
        string? message = null;
        byte* buffer = stackalloc byte[256];
        for (nuint error = ERR_get_error(); error != 0; error = ERR_get_error())
        {
            ERR_error_string_n(error, buffer, 256);
            string text = Marshal.PtrToStringUTF8((nint)buffer) ?? string.Empty;
            message = message is null ? text : message + "; " + text;
        }

        return message ?? fallback;
    }
}
