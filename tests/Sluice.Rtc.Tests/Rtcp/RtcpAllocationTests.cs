using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>Reading a compound RTCP packet allocates nothing.</summary>
public class RtcpAllocationTests
{
    [Fact]
    public void ReadingCompound_AllocatesZeroBytes()
    {
        byte[] compound = [.. RtcpCompoundTests.Compound(), .. GenericNackTests.ThreePairs, .. PictureLossIndicationTests.Pli, .. RembTests.ChromeRemb, .. TransportCcTests.AllChunkKinds];

        long checksum = Read(compound, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Read(compound, 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1100 * 7, checksum >> 32);
    }

    private static long Read(byte[] datagram, int iterations)
    {
        long checksum = 0;
        for (int i = 0; i < iterations; i++)
        {
            var reader = new RtcpCompoundReader(datagram);
            while (reader.TryReadNext(out RtcpHeaderView packet))
            {
                checksum += 1L << 32;
                switch (packet.Type)
                {
                    case RtcpPacketType.SenderReport when SenderReport.TryParse(packet, out SenderReport sr):
                        foreach (ReportBlock block in sr.GetReportBlocks())
                        {
                            checksum += block.FractionLost;
                        }

                        break;
                    case RtcpPacketType.ReceiverReport when ReceiverReport.TryParse(packet, out ReceiverReport rr):
                        foreach (ReportBlock block in rr.GetReportBlocks())
                        {
                            checksum += block.HighestSequenceNumber & 0xFF;
                        }

                        break;
                    case RtcpPacketType.SourceDescription when SourceDescription.TryGetCname(packet, out _, out ReadOnlySpan<byte> cname):
                        checksum += cname.Length;
                        break;
                    case RtcpPacketType.TransportFeedback when GenericNack.TryParse(packet, out GenericNack nack):
                        foreach (ushort lost in nack.GetLostSequenceNumbers())
                        {
                            checksum += lost & 1;
                        }

                        break;
                    case RtcpPacketType.TransportFeedback when TransportCcFeedback.TryParse(packet, out TransportCcFeedback twcc):
                        foreach (TransportCcPacketStatus status in twcc.GetPackets())
                        {
                            checksum += status.IsReceived ? 1 : 0;
                        }

                        break;
                    case RtcpPacketType.PayloadSpecificFeedback when PictureLossIndication.TryParse(packet, out PictureLossIndication pli):
                        checksum += pli.MediaSsrc & 1;
                        break;
                    case RtcpPacketType.PayloadSpecificFeedback when Remb.TryParse(packet, out Remb remb):
                        checksum += remb.SsrcCount;
                        break;
                }
            }
        }

        return checksum;
    }
}
