using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using AesNi = System.Runtime.Intrinsics.X86.Aes;
using ManagedAes = System.Security.Cryptography.Aes;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// AES-128 in counter mode as SRTP defines it (RFC 3711 §4.1.1): keystream block j is
/// E(k_e, IV + j), where the IV's low 16 bits are zero, so IV + j is IV with j in the last two octets.
/// </summary>
/// <remarks>
/// With AES-NI the 128-bit key schedule is expanded once and eight counter blocks go through the
/// rounds together, so the pipelined AESENC units stay busy (the latency of one round is ~4 cycles,
/// the throughput one or two per cycle). Without AES-NI, batches of counter blocks are encrypted with
/// <see cref="SymmetricAlgorithm.EncryptEcb(ReadOnlySpan{byte}, Span{byte}, PaddingMode)"/>.
/// Not thread-safe: one instance belongs to one <see cref="SrtpContext"/>.
/// </remarks>
internal sealed class AesCounterMode : IDisposable
{
    public const int KeyLength = 16;
    private const int BlockSize = 16;
    private const int Lanes = 8;
    private const int FallbackBlocks = 16;

    private RoundKeys _roundKeys;
    private readonly ManagedAes? _fallback;

    public AesCounterMode(ReadOnlySpan<byte> key, bool useHardware = true)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException("AES-128 needs a 16-octet key.", nameof(key));
        }

        if (useHardware && AesNi.IsSupported)
        {
            ExpandKey(key);
        }
        else
        {
            _fallback = ManagedAes.Create();
            _fallback.Key = key.ToArray();
        }
    }

    /// <summary>True when the AES-NI path is in use.</summary>
    public bool UsesHardware => _fallback is null;

    /// <summary>XORs the keystream starting at counter block <paramref name="iv"/> into <paramref name="data"/>.</summary>
    /// <remarks>At most 2^16 blocks (1 MiB) per call, as RFC 3711 §4.1.1 allows.</remarks>
    public void Apply(Vector128<byte> iv, Span<byte> data)
    {
        Debug.Assert(iv.GetElement(14) == 0 && iv.GetElement(15) == 0, "The counter occupies the low 16 bits.");
        Debug.Assert(data.Length <= (1 << 16) * BlockSize, "One IV covers at most 2^16 blocks.");
        if (_fallback is null)
        {
            ApplyHardware(iv, data);
        }
        else
        {
            ApplyFallback(iv, data);
        }
    }

    public void Dispose()
    {
        _roundKeys = default;
        _fallback?.Dispose();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(Vector128<byte> iv, int block) =>
        iv ^ Vector128.Create(0UL, (ulong)BinaryPrimitives.ReverseEndianness((ushort)block) << 48).AsByte();

    private void ApplyHardware(Vector128<byte> iv, Span<byte> data)
    {
        ReadOnlySpan<Vector128<byte>> keys = _roundKeys;
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int offset = 0;
        int block = 0;

        while (length - offset >= Lanes * BlockSize)
        {
            Vector128<byte> k = keys[0];
            Vector128<byte> b0 = Counter(iv, block) ^ k;
            Vector128<byte> b1 = Counter(iv, block + 1) ^ k;
            Vector128<byte> b2 = Counter(iv, block + 2) ^ k;
            Vector128<byte> b3 = Counter(iv, block + 3) ^ k;
            Vector128<byte> b4 = Counter(iv, block + 4) ^ k;
            Vector128<byte> b5 = Counter(iv, block + 5) ^ k;
            Vector128<byte> b6 = Counter(iv, block + 6) ^ k;
            Vector128<byte> b7 = Counter(iv, block + 7) ^ k;
            for (int r = 1; r < 10; r++)
            {
                k = keys[r];
                b0 = AesNi.Encrypt(b0, k);
                b1 = AesNi.Encrypt(b1, k);
                b2 = AesNi.Encrypt(b2, k);
                b3 = AesNi.Encrypt(b3, k);
                b4 = AesNi.Encrypt(b4, k);
                b5 = AesNi.Encrypt(b5, k);
                b6 = AesNi.Encrypt(b6, k);
                b7 = AesNi.Encrypt(b7, k);
            }

            k = keys[10];
            ref byte p = ref Unsafe.Add(ref start, offset);
            (Vector128.LoadUnsafe(ref p, 0) ^ AesNi.EncryptLast(b0, k)).StoreUnsafe(ref p, 0);
            (Vector128.LoadUnsafe(ref p, 16) ^ AesNi.EncryptLast(b1, k)).StoreUnsafe(ref p, 16);
            (Vector128.LoadUnsafe(ref p, 32) ^ AesNi.EncryptLast(b2, k)).StoreUnsafe(ref p, 32);
            (Vector128.LoadUnsafe(ref p, 48) ^ AesNi.EncryptLast(b3, k)).StoreUnsafe(ref p, 48);
            (Vector128.LoadUnsafe(ref p, 64) ^ AesNi.EncryptLast(b4, k)).StoreUnsafe(ref p, 64);
            (Vector128.LoadUnsafe(ref p, 80) ^ AesNi.EncryptLast(b5, k)).StoreUnsafe(ref p, 80);
            (Vector128.LoadUnsafe(ref p, 96) ^ AesNi.EncryptLast(b6, k)).StoreUnsafe(ref p, 96);
            (Vector128.LoadUnsafe(ref p, 112) ^ AesNi.EncryptLast(b7, k)).StoreUnsafe(ref p, 112);
            offset += Lanes * BlockSize;
            block += Lanes;
        }

        while (length - offset >= BlockSize)
        {
            ref byte p = ref Unsafe.Add(ref start, offset);
            (Vector128.LoadUnsafe(ref p) ^ EncryptBlock(Counter(iv, block), keys)).StoreUnsafe(ref p);
            offset += BlockSize;
            block++;
        }

        if (offset < length)
        {
            Span<byte> keystream = stackalloc byte[BlockSize];
            EncryptBlock(Counter(iv, block), keys).CopyTo(keystream);
            for (int i = 0; offset + i < length; i++)
            {
                Unsafe.Add(ref start, offset + i) ^= keystream[i];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> EncryptBlock(Vector128<byte> block, ReadOnlySpan<Vector128<byte>> keys)
    {
        block ^= keys[0];
        for (int r = 1; r < 10; r++)
        {
            block = AesNi.Encrypt(block, keys[r]);
        }

        return AesNi.EncryptLast(block, keys[10]);
    }

    private void ApplyFallback(Vector128<byte> iv, Span<byte> data)
    {
        Span<byte> counters = stackalloc byte[FallbackBlocks * BlockSize];
        Span<byte> keystream = stackalloc byte[FallbackBlocks * BlockSize];
        int block = 0;
        for (int offset = 0; offset < data.Length; offset += FallbackBlocks * BlockSize)
        {
            int chunk = Math.Min(FallbackBlocks * BlockSize, data.Length - offset);
            int blocks = (chunk + BlockSize - 1) / BlockSize;
            for (int i = 0; i < blocks; i++)
            {
                Counter(iv, block + i).CopyTo(counters.Slice(i * BlockSize));
            }

            _fallback!.EncryptEcb(counters[..(blocks * BlockSize)], keystream, PaddingMode.None);
            Xor(data.Slice(offset, chunk), keystream);
            block += blocks;
        }
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        for (; i + BlockSize <= data.Length; i += BlockSize)
        {
            (Vector128.Create<byte>(data.Slice(i)) ^ Vector128.Create<byte>(keystream.Slice(i))).CopyTo(data.Slice(i));
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }

    /// <summary>FIPS 197 §5.2 key expansion for AES-128, one AESKEYGENASSIST per round key.</summary>
    private void ExpandKey(ReadOnlySpan<byte> key)
    {
        Vector128<byte> k = Vector128.Create<byte>(key);
        _roundKeys[0] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x01));
        _roundKeys[1] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x02));
        _roundKeys[2] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x04));
        _roundKeys[3] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x08));
        _roundKeys[4] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x10));
        _roundKeys[5] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x20));
        _roundKeys[6] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x40));
        _roundKeys[7] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x80));
        _roundKeys[8] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x1B));
        _roundKeys[9] = k;
        k = NextRoundKey(k, AesNi.KeygenAssist(k, 0x36));
        _roundKeys[10] = k;
    }

    private static Vector128<byte> NextRoundKey(Vector128<byte> key, Vector128<byte> assist)
    {
        // Word 3 of the assist is RotWord(SubWord(w3)) ^ rcon; each new word is the previous new word
        // XOR the old word in the same position, hence the running XOR of 4-octet shifts.
        Vector128<byte> t = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        return key ^ t;
    }

    [InlineArray(11)]
    private struct RoundKeys
    {
        private Vector128<byte> _element0;
    }
}
