using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Sluice.Rtc.Srtp;

namespace Sluice.Bench;

/// <summary>
/// SRTP protect and protect+unprotect of a 1200-octet RTP packet (12-octet header, 1188 payload).
/// Unprotect cost = ProtectAndUnprotectRtp − ProtectRtp. The packet is re-protected in place each
/// time with the next sequence number, and the receiver decrypts it in place, so every packet is
/// fresh (no replay failure) and nothing is copied.
/// </summary>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private const int PacketLength = 1200;

    private SrtpContext _sender = null!;
    private SrtpContext _receiver = null!;
    private byte[] _buffer = null!;
    private ushort _sequence;

    [Params(SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80)]
    public SrtpProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var key = new byte[SrtpProfiles.MasterKeyLength(Profile)];
        var salt = new byte[SrtpProfiles.MasterSaltLength(Profile)];
        random.NextBytes(key);
        random.NextBytes(salt);
        _sender = new SrtpContext(Profile, key, salt);
        _receiver = new SrtpContext(Profile, key, salt);
        _buffer = new byte[PacketLength + SrtpProfiles.RtpOverhead(Profile)];
        random.NextBytes(_buffer);
        _buffer[0] = 0x80; // V=2, no CSRC, no extension
        _buffer[1] = 96;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark]
    public int ProtectRtp()
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(2), _sequence++);
        _sender.ProtectRtp(_buffer, PacketLength, out int length);
        return length;
    }

    [Benchmark]
    public int ProtectAndUnprotectRtp()
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(2), _sequence++);
        _sender.ProtectRtp(_buffer, PacketLength, out int length);
        if (_receiver.UnprotectRtp(_buffer.AsSpan(0, length), out int plain) != SrtpResult.Ok)
        {
            throw new InvalidOperationException("unprotect failed");
        }

        return plain;
    }
}
