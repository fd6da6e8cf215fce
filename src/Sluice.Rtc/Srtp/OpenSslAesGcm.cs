using System.Runtime.InteropServices;
using System.Security.Cryptography;
using static Sluice.Rtc.Srtp.LibCrypto;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// AES-128-GCM (NIST SP 800-38D) with a 12-octet IV and a 16-octet tag, on one OpenSSL
/// <c>EVP_CIPHER_CTX</c> keyed once for one direction (encrypt or decrypt).
/// </summary>
/// <remarks>
/// <see cref="AesGcm"/> re-initialises its EVP context and key schedule on every call, which cost more
/// than the cipher itself on a 1200-octet packet; here a packet only sets the IV. A tag mismatch is a
/// <c>false</c> return, not an exception, because forged packets arrive from the network at the
/// attacker's rate. As a <see cref="SafeHandle"/> the context is freed exactly once (Dispose or
/// finalizer), and any use after Dispose throws <see cref="ObjectDisposedException"/>.
/// Not thread-safe: the context holds the per-packet GCM state.
/// </remarks>
internal sealed unsafe class OpenSslAesGcm : SafeHandle
{
    public const int KeyLength = 16;
    public const int NonceLength = 12;
    public const int TagLength = 16;

    /// <summary>An empty (invalid) handle; <see cref="Create"/> is the way to get a keyed one.</summary>
    public OpenSslAesGcm()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>A context keyed with <paramref name="key"/> for encryption or decryption.</summary>
    public static OpenSslAesGcm Create(ReadOnlySpan<byte> key, bool encrypt)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException("AES-128-GCM needs a 16-octet key.", nameof(key));
        }

        var gcm = new OpenSslAesGcm();
        nint ctx = EVP_CIPHER_CTX_new();
        if (ctx == 0)
        {
            throw new OutOfMemoryException("EVP_CIPHER_CTX_new failed.");
        }

        gcm.SetHandle(ctx);
        fixed (byte* k = key)
        {
            // The cipher first, then the IV length, then the key: the documented order for a non-default
            // IV length. 12 octets is GCM's default, set anyway because RFC 7714 §8.1 requires exactly 12.
            if (EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), 0, null, null, encrypt ? 1 : 0) != 1
                || EVP_CIPHER_CTX_ctrl(ctx, EvpCtrlGcmSetIvLength, NonceLength, null) != 1
                || EVP_CipherInit_ex(ctx, 0, 0, k, null, -1) != 1)
            {
                gcm.Dispose();
                throw Failure("initialising AES-128-GCM");
            }
        }

        return gcm;
    }

    /// <summary>Encrypts <paramref name="data"/> in place and writes the 16-octet tag over AAD ‖ ciphertext.</summary>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        CheckLengths(nonce, tag);
        nint ctx = handle;
        int outLength;
        byte none; // GCM's final step writes no output, but the call wants a buffer
        fixed (byte* n = nonce)
        fixed (byte* a = aad)
        fixed (byte* d = data)
        fixed (byte* t = tag)
        {
            if (EVP_CipherInit_ex(ctx, 0, 0, null, n, -1) != 1
                || (aad.Length > 0 && EVP_CipherUpdate(ctx, null, &outLength, a, aad.Length) != 1)
                || (data.Length > 0 && EVP_CipherUpdate(ctx, d, &outLength, d, data.Length) != 1)
                || EVP_CipherFinal_ex(ctx, &none, &outLength) != 1
                || EVP_CIPHER_CTX_ctrl(ctx, EvpCtrlGcmGetTag, TagLength, t) != 1)
            {
                throw Failure("AES-128-GCM encryption");
            }
        }

        GC.KeepAlive(this);
    }

    /// <summary>
    /// Decrypts <paramref name="data"/> in place if <paramref name="tag"/> verifies over AAD ‖ ciphertext;
    /// otherwise returns false with <paramref name="data"/> zeroed, so unauthenticated plaintext never
    /// leaves this method (as <see cref="AesGcm"/> does).
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        CheckLengths(nonce, tag);
        nint ctx = handle;
        int outLength;
        byte none; // GCM's final step writes no output, but the call wants a buffer
        bool ok;
        fixed (byte* n = nonce)
        fixed (byte* a = aad)
        fixed (byte* d = data)
        fixed (byte* t = tag)
        {
            ok = EVP_CipherInit_ex(ctx, 0, 0, null, n, -1) == 1
                && (aad.Length == 0 || EVP_CipherUpdate(ctx, null, &outLength, a, aad.Length) == 1)
                && (data.Length == 0 || EVP_CipherUpdate(ctx, d, &outLength, d, data.Length) == 1)
                && EVP_CIPHER_CTX_ctrl(ctx, EvpCtrlGcmSetTag, TagLength, t) == 1
                && EVP_CipherFinal_ex(ctx, &none, &outLength) == 1;
        }

        GC.KeepAlive(this);
        if (!ok)
        {
            // OpenSSL 3 queues nothing for a plain tag mismatch, but a queued error would surface later
            // in unrelated code on this thread (the DTLS stack reads the queue), so leave it empty.
            ERR_clear_error();
            CryptographicOperations.ZeroMemory(data);
        }

        return ok;
    }

    protected override bool ReleaseHandle()
    {
        EVP_CIPHER_CTX_free(handle);
        return true;
    }

    private static void CheckLengths(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> tag)
    {
        if (nonce.Length != NonceLength || tag.Length != TagLength)
        {
            throw new ArgumentException("AES-128-GCM here takes a 12-octet IV and a 16-octet tag.");
        }
    }

    private static CryptographicException Failure(string operation)
    {
        ERR_clear_error();
        return new CryptographicException($"OpenSSL failed {operation}.");
    }
}
