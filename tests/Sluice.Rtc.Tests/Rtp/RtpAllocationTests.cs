using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>The forwarding path (parse + rewrite) allocates nothing per packet.</summary>
public class RtpAllocationTests
{
    [Fact]
    public void ParseAndRewrite_AllocateZeroBytes()
    {
        byte[] packet = RtpTestPackets.VideoWithExtensions();
        byte[] map = new byte[16];
        map[3] = 2;
        map[5] = 3;
        byte[] back = new byte[16];
        back[2] = 3;
        back[3] = 5;

        long checksum = Forward(packet, map, back, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Forward(packet, map, back, 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }

    private static long Forward(byte[] packet, byte[] map, byte[] back, int iterations)
    {
        long checksum = 0;
        for (int i = 0; i < iterations; i++)
        {
            Span<byte> span = packet;
            if (!RtpPacket.TryParse(span, out RtpPacket rtp))
            {
                return -1;
            }

            foreach (RtpExtension extension in rtp.GetExtensions())
            {
                checksum += extension.Id + extension.Data.Length;
            }

            if (rtp.TryGetExtension(5, out ReadOnlySpan<byte> twcc))
            {
                checksum += twcc[1];
            }

            checksum += rtp.SequenceNumber + rtp.Payload.Length;
            RtpHeaderRewriter.SetSsrc(span, 0xCAFEBABE);
            RtpHeaderRewriter.SetPayloadType(span, 100);
            RtpHeaderRewriter.SetSequenceNumber(span, (ushort)i);
            RtpHeaderRewriter.SetTimestamp(span, (uint)i * 3000);
            RtpHeaderRewriter.SetMarker(span, (i & 1) == 0);
            checksum += RtpHeaderRewriter.RewriteExtensionIds(span, (i & 1) == 0 ? map : back) ? 1 : 0;
        }

        return checksum;
    }
}
