using System.Diagnostics.CodeAnalysis;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// A certificate fingerprint as carried in the SDP <c>a=fingerprint</c> attribute (RFC 8122 §5):
/// <c>hash-func SP fingerprint</c>, where the fingerprint is uppercase hex byte pairs joined by colons,
/// e.g. <c>sha-256 AB:CD:…</c>. WebRTC pins the peer's DTLS certificate with it (RFC 8827 §6.5).
/// </summary>
public sealed class DtlsFingerprint : IEquatable<DtlsFingerprint>
{
    private readonly byte[] _value;

    /// <summary>Creates a fingerprint from a raw digest; throws if its length does not suit the algorithm.</summary>
    public DtlsFingerprint(DtlsHashAlgorithm algorithm, ReadOnlySpan<byte> value)
    {
        int expected = GetHashLength(algorithm);
        if (value.Length != expected)
        {
            throw new ArgumentException($"A {GetName(algorithm)} fingerprint is {expected} bytes, not {value.Length}.", nameof(value));
        }

        Algorithm = algorithm;
        _value = value.ToArray();
    }

    public DtlsHashAlgorithm Algorithm { get; }

    public ReadOnlyMemory<byte> Value => _value;

    /// <summary>Digest length in bytes of <paramref name="algorithm"/>.</summary>
    public static int GetHashLength(DtlsHashAlgorithm algorithm) => algorithm switch
    {
        DtlsHashAlgorithm.Sha1 => 20,
        DtlsHashAlgorithm.Sha224 => 28,
        DtlsHashAlgorithm.Sha256 => 32,
        DtlsHashAlgorithm.Sha384 => 48,
        DtlsHashAlgorithm.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>The RFC 8122 §5 textual name (IANA "Hash Function Textual Names").</summary>
    public static string GetName(DtlsHashAlgorithm algorithm) => algorithm switch
    {
        DtlsHashAlgorithm.Sha1 => "sha-1",
        DtlsHashAlgorithm.Sha224 => "sha-224",
        DtlsHashAlgorithm.Sha256 => "sha-256",
        DtlsHashAlgorithm.Sha384 => "sha-384",
        DtlsHashAlgorithm.Sha512 => "sha-512",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>
    /// Parses an <c>a=fingerprint</c> value (without the <c>a=fingerprint:</c> prefix). Hash names are
    /// case-insensitive (RFC 8122 §5); hex digits may be either case. Never throws.
    /// </summary>
    public static bool TryParse(string? sdpValue, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        if (sdpValue is null)
        {
            return false;
        }

        ReadOnlySpan<char> text = sdpValue.AsSpan().Trim();
        int space = text.IndexOfAny(' ', '\t');
        if (space <= 0 || !TryParseName(text[..space], out DtlsHashAlgorithm algorithm))
        {
            return false;
        }

        ReadOnlySpan<char> hex = text[(space + 1)..].TrimStart();
        int length = GetHashLength(algorithm);
        if (hex.Length != (length * 3) - 1)
        {
            return false;
        }

        Span<byte> value = stackalloc byte[64];
        for (int i = 0; i < length; i++)
        {
            int at = i * 3;
            int high = HexDigit(hex[at]);
            int low = HexDigit(hex[at + 1]);
            if (high < 0 || low < 0 || (i < length - 1 && hex[at + 2] != ':'))
            {
                return false;
            }

            value[i] = (byte)((high << 4) | low);
        }

        fingerprint = new DtlsFingerprint(algorithm, value[..length]);
        return true;
    }

    /// <summary>Fingerprint of a DER-encoded certificate (RFC 8122 §5: the hash of the DER form).</summary>
    public static DtlsFingerprint Compute(DtlsHashAlgorithm algorithm, ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> digest = stackalloc byte[64];
        int length = Hash(algorithm, certificateDer, digest);
        return new DtlsFingerprint(algorithm, digest[..length]);
    }

    /// <summary>True when <paramref name="certificateDer"/> hashes to this fingerprint. Allocation-free.</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> digest = stackalloc byte[64];
        int length = Hash(Algorithm, certificateDer, digest);
        return digest[..length].SequenceEqual(_value);
    }

    public override string ToString()
    {
        string name = GetName(Algorithm);
        return string.Create(name.Length + 1 + (_value.Length * 3) - 1, (name, _value), static (span, state) =>
        {
            state.name.AsSpan().CopyTo(span);
            span[state.name.Length] = ' ';
            int at = state.name.Length + 1;
            for (int i = 0; i < state._value.Length; i++)
            {
                if (i > 0)
                {
                    span[at++] = ':';
                }

                span[at++] = "0123456789ABCDEF"[state._value[i] >> 4];
                span[at++] = "0123456789ABCDEF"[state._value[i] & 0xF];
            }
        });
    }

    public bool Equals(DtlsFingerprint? other) =>
        other is not null && other.Algorithm == Algorithm && other._value.AsSpan().SequenceEqual(_value);

    public override bool Equals(object? obj) => Equals(obj as DtlsFingerprint);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Algorithm);
        hash.AddBytes(_value);
        return hash.ToHashCode();
    }

    /// <summary>Hashes with OpenSSL's EVP digests, the only ones offering SHA-224 alongside the rest.</summary>
    private static unsafe int Hash(DtlsHashAlgorithm algorithm, ReadOnlySpan<byte> data, Span<byte> digest)
    {
        nint md = algorithm switch
        {
            DtlsHashAlgorithm.Sha1 => OpenSsl.EVP_sha1(),
            DtlsHashAlgorithm.Sha224 => OpenSsl.EVP_sha224(),
            DtlsHashAlgorithm.Sha256 => OpenSsl.EVP_sha256(),
            DtlsHashAlgorithm.Sha384 => OpenSsl.EVP_sha384(),
            DtlsHashAlgorithm.Sha512 => OpenSsl.EVP_sha512(),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
        };

        uint size = 0;
        fixed (byte* input = data)
        fixed (byte* output = digest)
        {
            if (OpenSsl.EVP_Digest(input, (nuint)data.Length, output, &size, md, 0) != 1)
            {
                throw new InvalidOperationException(OpenSsl.TakeErrors("EVP_Digest failed."));
            }
        }

        return (int)size;
    }

    private static bool TryParseName(ReadOnlySpan<char> name, out DtlsHashAlgorithm algorithm)
    {
        for (var candidate = DtlsHashAlgorithm.Sha1; candidate <= DtlsHashAlgorithm.Sha512; candidate++)
        {
            if (name.Equals(GetName(candidate), StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }

        algorithm = default;
        return false;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
