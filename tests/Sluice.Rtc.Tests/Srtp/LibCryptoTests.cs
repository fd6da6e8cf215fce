using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Tests.Srtp;

/// <summary>
/// The OpenSSL-backed primitives under the SRTP transforms (<see cref="HmacSha1"/>,
/// <see cref="OpenSslAesGcm"/>) checked against .NET's own implementations, plus the properties the
/// hot path relies on: no exception and no allocation for a forged packet, safe disposal.
/// </summary>
public class LibCryptoTests
{
    private const uint Ssrc = 0x0BAD_F00D;

    [Fact]
    public unsafe void ShaCtx_IsTheSizeOfTheCStruct_AndSha1InitWritesExactlyIt()
    {
        Assert.Equal(96, sizeof(LibCrypto.ShaCtx));

        // SHA1_Init memsets the whole native SHA_CTX: nothing past our 96 octets may change.
        byte* buffer = stackalloc byte[128];
        new Span<byte>(buffer, 128).Fill(0xCC);
        Assert.Equal(1, LibCrypto.SHA1_Init((LibCrypto.ShaCtx*)buffer));
        Assert.Equal(0x67452301u, BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(buffer, 4))); // FIPS 180-4 H0
        Assert.True(new ReadOnlySpan<byte>(buffer + 20, 76).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(new ReadOnlySpan<byte>(buffer + 96, 32).IndexOfAnyExcept((byte)0xCC) < 0);
    }

    [Fact]
    public void HmacSha1_MatchesHmacSha1HashData_ForRandomKeysAndLengths()
    {
        var random = new Random(20250101);
        var mac = new byte[HmacSha1.HashLength];

        // Every data length 0..1500 (all SHA-1 padding cases), each with a fresh key of 0..100 octets,
        // so keys shorter than, equal to and longer than the 64-octet block (hashed first) all occur.
        for (int length = 0; length <= 1500; length++)
        {
            var key = new byte[length % 101];
            var data = new byte[length];
            random.NextBytes(key);
            random.NextBytes(data);

            using var hmac = new HmacSha1(key);
            hmac.Compute(data, mac);
            Assert.Equal(HMACSHA1.HashData(key, data), mac);

            // The pad states are reused, not consumed: a second call gives the same answer.
            hmac.Compute(data, mac);
            Assert.Equal(HMACSHA1.HashData(key, data), mac);
        }
    }

    [Fact]
    public void OpenSslAesGcm_MatchesAesGcm_ForRandomLengths()
    {
        var random = new Random(7714);
        var key = new byte[16];
        var nonce = new byte[12];
        var tag = new byte[16];
        var expectedTag = new byte[16];
        random.NextBytes(key);
        using var encrypt = OpenSslAesGcm.Create(key, encrypt: true);
        using var decrypt = OpenSslAesGcm.Create(key, encrypt: false);
        using var reference = new AesGcm(key, 16);

        for (int length = 0; length <= 1500; length += 1 + (length / 50))
        {
            var aad = new byte[random.Next(0, 80)];
            var plain = new byte[length];
            random.NextBytes(nonce);
            random.NextBytes(aad);
            random.NextBytes(plain);
            var expected = new byte[length];
            reference.Encrypt(nonce, plain, expected, expectedTag, aad);

            byte[] data = plain.ToArray();
            encrypt.Encrypt(nonce, aad, data, tag);
            Assert.Equal(expected, data);
            Assert.Equal(expectedTag, tag);

            Assert.True(decrypt.TryDecrypt(nonce, aad, data, tag));
            Assert.Equal(plain, data);
        }
    }

    [Fact]
    public void OpenSslAesGcm_ForgedTag_ReturnsFalse_AndZeroesTheUnauthenticatedPlaintext()
    {
        var key = new byte[16];
        var nonce = new byte[12];
        var tag = new byte[16];
        using var encrypt = OpenSslAesGcm.Create(key, encrypt: true);
        using var decrypt = OpenSslAesGcm.Create(key, encrypt: false);
        byte[] data = [.. Enumerable.Range(1, 100).Select(i => (byte)i)];
        encrypt.Encrypt(nonce, [], data, tag);

        tag[15] ^= 1;
        Assert.False(decrypt.TryDecrypt(nonce, [], data, tag));
        Assert.True(data.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void OpenSslAesGcm_DoubleDispose_IsHarmless_AndUseAfterDisposeThrows()
    {
        var gcm = OpenSslAesGcm.Create(new byte[16], encrypt: true);
        gcm.Dispose();
        gcm.Dispose();
        Assert.True(gcm.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => gcm.Encrypt(new byte[12], [], new byte[16], new byte[16]));
        Assert.Throws<ObjectDisposedException>(() => gcm.TryDecrypt(new byte[12], [], new byte[16], new byte[16]));

        var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, new byte[16], new byte[12]);
        context.Dispose();
        context.Dispose();
        Assert.Throws<ObjectDisposedException>(() => context.UnprotectRtp(new byte[64], out _));
    }

    [Fact]
    public void Gcm_ForgedPackets_FailWithoutExceptions_AndAllocateNothing()
    {
        var key = new byte[16];
        var salt = new byte[12];
        new Random(5).NextBytes(key);
        using var sender = new SrtpContext(SrtpProfile.AeadAes128Gcm, key, salt);
        using var receiver = new SrtpContext(SrtpProfile.AeadAes128Gcm, key, salt);
        byte[] rtp = new byte[1200 + 16];
        byte[] rtcp = new byte[28 + 20];
        rtp[0] = 0x80;
        rtcp[0] = 0x80;
        rtcp[1] = 201;
        BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(8), Ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(rtcp.AsSpan(4), Ssrc);

        // One genuine packet each first, so the SSRC has state and every forgery below, with a fresh
        // index, passes the replay check and reaches tag verification.
        Assert.Equal(0, ForgeAll(sender, receiver, rtp, rtcp, 0, 1, forge: false));
        Assert.Equal(0, ForgeAll(sender, receiver, rtp, rtcp, 1, 100, forge: true)); // warm-up: JIT, OpenSSL thread state

        int exceptions = 0;
        int thread = Environment.CurrentManagedThreadId;
        EventHandler<System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs> count = (_, _) =>
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                exceptions++;
            }
        };
        AppDomain.CurrentDomain.FirstChanceException += count;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int unexpected = ForgeAll(sender, receiver, rtp, rtcp, 101, 1000, forge: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        AppDomain.CurrentDomain.FirstChanceException -= count;

        Assert.Equal(0, unexpected);
        Assert.Equal(0, exceptions);
        Assert.Equal(0, allocated);

        // The failures left the contexts usable.
        Assert.Equal(0, ForgeAll(sender, receiver, rtp, rtcp, 2000, 1, forge: false));
    }

    /// <summary>
    /// Protects <paramref name="count"/> RTP and RTCP packets, flips one payload bit in each when
    /// <paramref name="forge"/>, and returns how many unprotected with another result than expected.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ForgeAll(SrtpContext sender, SrtpContext receiver, byte[] rtp, byte[] rtcp, int first, int count, bool forge)
    {
        SrtpResult expected = forge ? SrtpResult.AuthenticationFailed : SrtpResult.Ok;
        int unexpected = 0;
        for (int i = first; i < first + count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), (ushort)i);
            sender.ProtectRtp(rtp, 1200, out int rtpLength);
            sender.ProtectRtcp(rtcp, 28, out int rtcpLength);
            if (forge)
            {
                rtp[600] ^= 0x10;
                rtcp[20] ^= 0x10;
            }

            unexpected += receiver.UnprotectRtp(rtp.AsSpan(0, rtpLength), out _) == expected ? 0 : 1;
            unexpected += receiver.UnprotectRtcp(rtcp.AsSpan(0, rtcpLength), out _) == expected ? 0 : 1;
        }

        return unexpected;
    }
}
