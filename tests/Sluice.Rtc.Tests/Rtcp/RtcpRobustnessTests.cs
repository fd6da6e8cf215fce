using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>Network input never throws: random buffers and every truncation of valid packets, through every reader.</summary>
public class RtcpRobustnessTests
{
    public static TheoryData<string> ValidPackets() =>
        ["SR", "RR", "SDES", "BYE", "NACK", "PLI", "FIR", "REMB", "TWCC", "TWCC captured", "compound"];

    [Fact]
    public void RandomBuffers_NeverThrow()
    {
        var random = new Random(5761);
        var buffer = new byte[1500];
        int packets = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(0, i % 10 == 0 ? 1500 : 80);
            Span<byte> datagram = buffer.AsSpan(0, length);
            random.NextBytes(datagram);
            if (length >= 4 && i % 2 == 0)
            {
                // Half the time: a plausible header (version 2, a known type, the length of the datagram) so the
                // per-type readers see bodies of every size and content.
                datagram[0] = (byte)(0x80 | (datagram[0] & 0x1F));
                datagram[1] = (byte)(200 + random.Next(0, 7));
                int words = (length / 4) - 1;
                datagram[2] = (byte)(words >> 8);
                datagram[3] = (byte)words;
            }

            packets += Exercise(datagram, out _);
        }

        Assert.True(packets > 5000, $"only {packets} random packets were read: the generator no longer reaches the readers");
    }

    [Theory]
    [MemberData(nameof(ValidPackets))]
    public void EveryTruncation_NeverThrowsAndIsRejected(string name)
    {
        byte[] valid = Valid(name);
        int fullCount = Exercise(valid, out bool fullMalformed);
        Assert.False(fullMalformed);
        var boundaries = new HashSet<int>();
        var reader = new RtcpCompoundReader(valid);
        while (reader.TryReadNext(out RtcpHeaderView packet))
        {
            boundaries.Add(boundaries.Count == 0 ? packet.Packet.Length : boundaries.Max() + packet.Packet.Length);
        }

        for (int length = 1; length < valid.Length; length++)
        {
            int count = Exercise(valid.AsSpan(0, length), out bool malformed);

            // A prefix ending between packets is a valid, shorter compound; any other prefix cuts a packet.
            Assert.Equal(!boundaries.Contains(length), malformed);
            Assert.True(count < fullCount);
        }
    }

    [Theory]
    [MemberData(nameof(ValidPackets))]
    public void EveryShortenedBody_NeverThrows(string name)
    {
        // Truncate the body but fix up the length field, so the header is valid and the type reader must cope.
        byte[] valid = Valid(name);
        for (int words = 0; words < valid.Length / 4; words++)
        {
            byte[] copy = valid.AsSpan(0, 4 * (words + 1)).ToArray();
            copy[0] &= 0xDF; // drop the padding bit: its count byte is gone
            copy[2] = (byte)(words >> 8);
            copy[3] = (byte)words;
            Exercise(copy, out _);
        }
    }

    private static byte[] Valid(string name) => name switch
    {
        "SR" => RtcpCompoundTests.SenderReportBytes,
        "RR" => RtcpCompoundTests.ReceiverReportBytes,
        "SDES" => RtcpCompoundTests.SdesBytes,
        "BYE" => GoodbyeTests.WithReason,
        "NACK" => GenericNackTests.ThreePairs,
        "PLI" => PictureLossIndicationTests.Pli,
        "FIR" => FullIntraRequestTests.TwoEntries,
        "REMB" => RembTests.ChromeRemb,
        "TWCC" => TransportCcTests.AllChunkKinds,
        "TWCC captured" => TransportCcTests.Captured,
        _ => RtcpCompoundTests.Compound(),
    };

    /// <summary>Reads a datagram through every reader; returns how many packets the compound reader yielded.</summary>
    private static int Exercise(ReadOnlySpan<byte> datagram, out bool malformed)
    {
        var reader = new RtcpCompoundReader(datagram);
        int count = 0;
        while (reader.TryReadNext(out RtcpHeaderView packet))
        {
            count++;
            _ = packet.SenderSsrc;
            if (SenderReport.TryParse(packet, out SenderReport sr))
            {
                _ = sr.NtpTimestamp + sr.RtpTimestamp + sr.PacketCount + sr.OctetCount;
                foreach (ReportBlock block in sr.GetReportBlocks())
                {
                    _ = block.CumulativeLost;
                }
            }

            if (ReceiverReport.TryParse(packet, out ReceiverReport rr))
            {
                foreach (ReportBlock block in rr.GetReportBlocks())
                {
                    _ = block.Jitter;
                }
            }

            if (SourceDescription.TryParse(packet, out SourceDescription sdes))
            {
                while (sdes.TryReadNext(out SdesItem item))
                {
                    _ = item.Text.Length;
                }
            }

            _ = SourceDescription.TryGetCname(packet, out _, out _);
            if (Goodbye.TryParse(packet, out Goodbye bye))
            {
                for (int i = 0; i < bye.SourceCount; i++)
                {
                    _ = bye.GetSsrc(i);
                }

                _ = bye.Reason.Length;
            }

            if (GenericNack.TryParse(packet, out GenericNack nack))
            {
                for (int i = 0; i < nack.PairCount; i++)
                {
                    _ = nack.GetPair(i);
                }

                foreach (ushort lost in nack.GetLostSequenceNumbers())
                {
                    _ = lost;
                }
            }

            if (PictureLossIndication.TryParse(packet, out PictureLossIndication pli))
            {
                _ = pli.MediaSsrc;
            }

            if (FullIntraRequest.TryParse(packet, out FullIntraRequest fir))
            {
                for (int i = 0; i < fir.EntryCount; i++)
                {
                    _ = fir.GetEntry(i);
                }
            }

            if (Remb.TryParse(packet, out Remb remb))
            {
                for (int i = 0; i < remb.SsrcCount; i++)
                {
                    _ = remb.GetSsrc(i);
                }
            }

            if (TransportCcFeedback.TryParse(packet, out TransportCcFeedback twcc))
            {
                _ = twcc.ReferenceTime + twcc.FeedbackPacketCount;
                foreach (TransportCcPacketStatus status in twcc.GetPackets())
                {
                    _ = status.ReceiveTimeMicroseconds;
                }
            }
        }

        malformed = reader.IsMalformed;
        return count;
    }
}
