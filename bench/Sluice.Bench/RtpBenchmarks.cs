using BenchmarkDotNet.Attributes;
using Sluice.Rtc.Rtp;

namespace Sluice.Bench;

/// <summary>The per-packet RTP path of a subscriber: parse, then rewrite the header in place.</summary>
[MemoryDiagnoser]
public class RtpBenchmarks
{
    private readonly byte[] _packet = new byte[1200];
    private readonly byte[] _map = new byte[16];
    private readonly byte[] _backMap = new byte[16];
    private ushort _sequenceNumber;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new RtpPacketWriter(_packet) { Marker = true, PayloadType = 96, SequenceNumber = 4321, Timestamp = 90000, Ssrc = 0x11223344 };
        writer.AddExtension(3, [0x12, 0x34, 0x56]); // abs-send-time
        writer.AddExtension(5, [0x00, 0x2A]);       // transport-wide sequence number
        int length = writer.Write(new byte[1200 - 24]);
        if (length != _packet.Length)
        {
            throw new InvalidOperationException($"expected a 1200-byte packet, got {length}");
        }

        // Remap 3 → 2 and 5 → 4, and back, so every iteration does the same work on the same bytes.
        _map[3] = 2;
        _map[5] = 4;
        _backMap[2] = 3;
        _backMap[4] = 5;
    }

    [Benchmark]
    public int Parse()
    {
        if (!RtpPacket.TryParse(_packet, out RtpPacket rtp))
        {
            return -1;
        }

        int sum = rtp.SequenceNumber + rtp.Payload.Length;
        foreach (RtpExtension extension in rtp.GetExtensions())
        {
            sum += extension.Id + extension.Data.Length;
        }

        return sum;
    }

    [Benchmark]
    public bool HeaderRewrite()
    {
        Span<byte> packet = _packet;
        if (!RtpPacket.TryParse(packet, out RtpPacket rtp))
        {
            return false;
        }

        ushort sequenceNumber = _sequenceNumber++;
        RtpHeaderRewriter.SetSsrc(packet, rtp.Ssrc ^ 0x5A5A5A5A);
        RtpHeaderRewriter.SetPayloadType(packet, rtp.PayloadType == 96 ? (byte)100 : (byte)96);
        RtpHeaderRewriter.SetSequenceNumber(packet, sequenceNumber);
        RtpHeaderRewriter.SetTimestamp(packet, rtp.Timestamp + 3000);
        return RtpHeaderRewriter.RewriteExtensionIds(packet, (sequenceNumber & 1) == 0 ? _map : _backMap);
    }
}

/// <summary>
/// The dependency descriptor read at ingest for each VP8/AV1 packet of a publisher that sends it: a frame's
/// three-byte descriptor, and a keyframe's with its template structure (both recorded from Chromium's L1T3).
/// </summary>
[MemoryDiagnoser]
public class DependencyDescriptorBenchmarks
{
    private readonly byte[] _keyframe = Convert.FromHexString("8000018002044EAAAF2860414D34538A0940413FC0B3C0");
    private readonly byte[] _frame = Convert.FromHexString("850002");
    private readonly DependencyStructure _structure = new();

    [GlobalSetup]
    public void Setup() => DependencyDescriptor.TryRead(_keyframe, _structure, out _);

    [Benchmark]
    public int Frame() => DependencyDescriptor.TryRead(_frame, _structure, out var info) ? info.TemporalId : -1;

    [Benchmark]
    public int KeyframeWithStructure() => DependencyDescriptor.TryRead(_keyframe, _structure, out var info) ? info.TemporalId : -1;
}
