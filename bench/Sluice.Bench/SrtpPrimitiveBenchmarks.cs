using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Sluice.Rtc.Srtp;

namespace Sluice.Bench;

/// <summary>
/// The building blocks of <see cref="SrtpBenchmarks"/> alone, on the same 1200-octet packet, so
/// SRTP's own overhead (header parsing, index, replay, dictionary) can be read off by difference.
/// </summary>
[MemoryDiagnoser]
public class SrtpPrimitiveBenchmarks
{
    private readonly byte[] _packet = new byte[1200 + 16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _mac = new byte[20];
    private OpenSslAesGcm _gcm = null!;
    private AesCounterMode _ctr = null!;
    private HmacSha1 _hmac = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_packet);
        _gcm = OpenSslAesGcm.Create(new byte[16], encrypt: true);
        _ctr = new AesCounterMode(new byte[16]);
        _hmac = new HmacSha1(new byte[20]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gcm.Dispose();
        _ctr.Dispose();
        _hmac.Dispose();
    }

    [Benchmark]
    public void AesGcmEncrypt1188()
    {
        Span<byte> payload = _packet.AsSpan(12, 1188);
        _gcm.Encrypt(_nonce, _packet.AsSpan(0, 12), payload, _packet.AsSpan(1200, 16));
    }

    [Benchmark]
    public void AesCtrKeystream1188() => _ctr.Apply(Vector128<byte>.Zero, _packet.AsSpan(12, 1188));

    [Benchmark]
    public void HmacSha1Of1204() => _hmac.Compute(_packet.AsSpan(0, 1204), _mac);
}
