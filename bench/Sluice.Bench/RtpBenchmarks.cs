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
