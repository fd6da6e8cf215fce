using System.Runtime.InteropServices;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// The slice of OpenSSL 3's libcrypto that the SRTP transforms call per packet: a persistent
/// AES-128-GCM <c>EVP_CIPHER_CTX</c> (so the key schedule and GHASH table are computed once per
/// session key, not per packet as <see cref="System.Security.Cryptography.AesGcm"/> does) and the
/// low-level SHA-1 (whose compression function uses SHA-NI), from which HMAC-SHA1 is built with
/// precomputed pad states. Signatures are blittable because the assembly disables runtime marshalling.
/// </summary>
internal static unsafe partial class LibCrypto
{
    private const string Library = "libcrypto.so.3";

    // evp.h EVP_CTRL_* (the GCM aliases of the EVP_CTRL_AEAD_* values)
    public const int EvpCtrlGcmSetIvLength = 0x9;
    public const int EvpCtrlGcmGetTag = 0x10;
    public const int EvpCtrlGcmSetTag = 0x11;

    /// <summary>
    /// <c>SHA_CTX</c> (sha.h): <c>SHA_LONG h0..h4, Nl, Nh, data[16]; unsigned int num</c>, 96 octets on
    /// every platform (SHA_LONG is <c>unsigned int</c>). A plain struct, so a keyed state can be copied.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ShaCtx
    {
        public fixed uint H[5];
        public uint Nl;
        public uint Nh;
        public fixed uint Data[16];
        public uint Num;
    }

    // The static AES-128-GCM method table; never freed.
    [LibraryImport(Library)] public static partial nint EVP_aes_128_gcm();

    // Allocates an empty cipher context; 0 when out of memory.
    [LibraryImport(Library)] public static partial nint EVP_CIPHER_CTX_new();

    // Frees the context and cleanses the key material in it; accepts 0.
    [LibraryImport(Library)] public static partial void EVP_CIPHER_CTX_free(nint ctx);

    // Sets any of cipher, key and IV (null = keep); enc is 1 encrypt, 0 decrypt, -1 unchanged. 1 on success.
    [LibraryImport(Library)] public static partial int EVP_CipherInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv, int enc);

    // GCM: with output null, absorbs AAD; otherwise en/decrypts input to output (in place allowed). 1 on success.
    [LibraryImport(Library)] public static partial int EVP_CipherUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);

    // GCM: finishes the tag; when decrypting, 1 only if it equals the tag set with EVP_CTRL_GCM_SET_TAG.
    [LibraryImport(Library)] public static partial int EVP_CipherFinal_ex(nint ctx, byte* output, int* outputLength);

    // Cipher-specific control (IV length, get/set tag). 1 on success.
    [LibraryImport(Library)] public static partial int EVP_CIPHER_CTX_ctrl(nint ctx, int type, int arg, void* ptr);

    // Empties this thread's OpenSSL error queue, so a failure leaves nothing for unrelated code to find.
    [LibraryImport(Library)] public static partial void ERR_clear_error();

    // Sets the SHA-1 initial hash value (FIPS 180-4 §5.3.1). Always returns 1.
    [LibraryImport(Library)] public static partial int SHA1_Init(ShaCtx* ctx);

    // Absorbs length octets. Always returns 1.
    [LibraryImport(Library)] public static partial int SHA1_Update(ShaCtx* ctx, byte* data, nuint length);

    // Pads, writes the 20-octet digest to md and cleanses ctx. Always returns 1.
    [LibraryImport(Library)] public static partial int SHA1_Final(byte* md, ShaCtx* ctx);
}
