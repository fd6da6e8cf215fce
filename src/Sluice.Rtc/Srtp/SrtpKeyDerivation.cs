using System.Runtime.Intrinsics;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// The default SRTP key derivation function, AES-CM as a PRF (RFC 3711 §4.3.1, §4.3.3), with a key
/// derivation rate of zero, so r = index DIV kdr is always zero. RFC 7714 §11 reuses it unchanged
/// for AEAD_AES_128_GCM with a 12-octet master salt.
/// </summary>
internal static class SrtpKeyDerivation
{
    /// <summary>Longest master salt: 112 bits (RFC 3711 §8.2).</summary>
    public const int MaxMasterSaltLength = 14;

    /// <summary>Fills <paramref name="output"/> with the session key for <paramref name="label"/>.</summary>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, SrtpKeyLabel label, Span<byte> output)
    {
        using var prf = new AesCounterMode(masterKey);
        Derive(prf, masterSalt, label, output);
    }

    /// <summary>As above, with an already keyed PRF so one key schedule serves all six labels.</summary>
    public static void Derive(AesCounterMode prf, ReadOnlySpan<byte> masterSalt, SrtpKeyLabel label, Span<byte> output)
    {
        if (masterSalt.Length > MaxMasterSaltLength)
        {
            throw new ArgumentException("The master salt is at most 14 octets.", nameof(masterSalt));
        }

        // x = (label ‖ r) XOR master_salt, with key_id right-aligned on the 14-octet salt, so the label
        // lands in octet 7; a shorter (GCM) salt is left-aligned and zero-padded, as libsrtp does.
        // The PRF input x·2^16 leaves the last two octets for the block counter.
        Span<byte> iv = stackalloc byte[16];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[7] ^= (byte)label;
        output.Clear();
        prf.Apply(Vector128.Create<byte>(iv), output);
    }
}
