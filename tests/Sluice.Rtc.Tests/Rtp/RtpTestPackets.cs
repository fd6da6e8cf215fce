using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>Valid packets shared by the robustness, allocation and benchmark-like tests.</summary>
internal static class RtpTestPackets
{
    /// <summary>A 1200-byte video packet with two one-byte extensions (abs-send-time id 3, transport-cc id 5).</summary>
    public static byte[] VideoWithExtensions()
    {
        var buffer = new byte[1200];
        var writer = new RtpPacketWriter(buffer) { Marker = true, PayloadType = 96, SequenceNumber = 4321, Timestamp = 90000, Ssrc = 0x11223344 };
        writer.AddExtension(3, [0x12, 0x34, 0x56]);
        writer.AddExtension(5, [0x00, 0x2A]);
        int headerLength = RtpPacket.FixedHeaderLength + 4 + 8;
        int length = writer.Write(new byte[1200 - headerLength]);
        return buffer.AsSpan(0, length).ToArray();
    }

    public static IEnumerable<byte[]> All()
    {
        yield return VideoWithExtensions();

        var buffer = new byte[300];
        var writer = new RtpPacketWriter(buffer) { PayloadType = 111, SequenceNumber = 1, Timestamp = 2, Ssrc = 3, PaddingLength = 7 };
        writer.AddCsrc(0xAABBCCDD);
        writer.AddExtension(1, []);
        writer.AddExtension(200, new byte[40]);
        int length = writer.Write([1, 2, 3, 4, 5]);
        yield return buffer.AsSpan(0, length).ToArray();

        yield return [0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    }
}
