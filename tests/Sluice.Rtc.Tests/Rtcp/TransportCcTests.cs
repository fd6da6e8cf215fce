using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Rtcp;

/// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 transport-wide CC feedback.</summary>
public class TransportCcTests
{
    private const long Reference = 1000 * 64_000; // reference time 1000 in µs

    internal static readonly byte[] AllChunkKinds =
    [
        0xAF, 0xCD, 0x00, 0x0A, // V=2 P=1 FMT=15 | PT=205 RTPFB | length 10 (44 bytes)
        0x12, 0x34, 0x56, 0x78, // SSRC of packet sender
        0x9A, 0xBC, 0xDE, 0xF0, // SSRC of media source
        0xFF, 0xFA, 0x00, 0x1C, // base sequence number 65530 | packet status count 28
        0x00, 0x03, 0xE8, 0x07, // reference time 1000 (× 64 ms) | feedback packet count 7
        0x20, 0x07,             // run length chunk: T=0 S=01 (small delta) | run 7        → 65530..0
        0xE1, 0x85,             // status vector T=1 S=1 (2-bit): large, not, small, large, not, small, small → 1..7
        0xA0, 0x01,             // status vector T=1 S=0 (1-bit): 1, twelve 0s, 1               → 8..21
        0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, // 7 small deltas of 1 ms
        0x03, 0xE8,             // seq 1: large delta +250 ms
        0x02,                   // seq 3: small 0.5 ms
        0xFF, 0xF6,             // seq 4: large -2.5 ms (arrived before seq 3)
        0x14,                   // seq 6: 5 ms
        0x01,                   // seq 7: 0.25 ms
        0x3B,                   // seq 8: 14.75 ms
        0xFF,                   // seq 21: 63.75 ms, the largest small delta
        0x00, 0x02,             // RTCP padding: 2 bytes
    ];

    // A Chrome-style feedback (sender SSRC 1) as captured and dissected by Wireshark.
    internal static readonly byte[] Captured =
    [
        0xAF, 0xCD, 0x00, 0x07, // V=2 P=1 FMT=15 | PT=205 | length 7 (32 bytes)
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender 1
        0xDD, 0x58, 0x6E, 0xB6, // SSRC of media source
        0x00, 0x01, 0x00, 0x09, // base sequence number 1 | status count 9
        0x5E, 0x91, 0x10, 0x00, // reference time 6197520 | feedback packet count 0
        0x20, 0x09,             // run length chunk: small delta × 9
        0x1C, 0x0C, 0x2C, 0x38, 0x00, 0x04, 0x00, 0x08, 0x18, // 7, 3, 11, 14, 0, 1, 0, 2, 6 ms
        0x01,                   // RTCP padding: 1 byte
    ];

    // Ticks (250 µs) after the reference time, per status index; -1 = not received.
    private static readonly int[] AllChunkKindsTicks =
        [4, 8, 12, 16, 20, 24, 28, 1028, -1, 1030, 1020, -1, 1040, 1041, 1100, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1355];

    [Fact]
    public void AllChunkKinds_AreRead()
    {
        var reader = new RtcpCompoundReader(AllChunkKinds);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(TransportCcFeedback.TryParse(packet, out TransportCcFeedback feedback));
        Assert.Equal(0x12345678u, feedback.SenderSsrc);
        Assert.Equal(0x9ABCDEF0u, feedback.MediaSsrc);
        Assert.Equal(65530, feedback.BaseSequenceNumber);
        Assert.Equal(28, feedback.PacketStatusCount);
        Assert.Equal(1000, feedback.ReferenceTime);
        Assert.Equal(7, feedback.FeedbackPacketCount);

        int index = 0;
        int previousTicks = 0;
        foreach (TransportCcPacketStatus status in feedback.GetPackets())
        {
            Assert.Equal((ushort)(65530 + index), status.SequenceNumber);
            int ticks = AllChunkKindsTicks[index];
            Assert.Equal(ticks >= 0, status.IsReceived);
            if (ticks >= 0)
            {
                int delta = ticks - previousTicks;
                Assert.Equal(delta, status.DeltaTicks);
                Assert.Equal(delta is >= 0 and <= 255 ? TransportCcStatus.ReceivedSmallDelta : TransportCcStatus.ReceivedLargeDelta, status.Status);
                Assert.Equal(Reference + (ticks * 250L), status.ReceiveTimeMicroseconds);
                previousTicks = ticks;
            }
            else
            {
                Assert.Equal(TransportCcStatus.NotReceived, status.Status);
                Assert.Equal(0, status.DeltaTicks);
            }

            index++;
        }

        Assert.Equal(28, index);
    }

    [Fact]
    public void AllChunkKinds_AreWritten()
    {
        var arrivals = new List<TransportCcArrival>();
        for (int i = 0; i < AllChunkKindsTicks.Length; i++)
        {
            var sequenceNumber = (ushort)(65530 + i);
            if (AllChunkKindsTicks[i] >= 0)
            {
                arrivals.Add(new TransportCcArrival(sequenceNumber, Reference + (AllChunkKindsTicks[i] * 250L)));
            }
            else if (i == 8)
            {
                arrivals.Add(TransportCcArrival.NotReceived(sequenceNumber)); // explicit; the other gaps are implicit
            }
        }

        var buffer = new byte[1200];
        var writer = new RtcpWriter(buffer);
        int consumed = writer.WriteTransportCc(0x12345678, 0x9ABCDEF0, 7, arrivals.ToArray());
        Assert.Equal(arrivals.Count, consumed);
        Assert.Equal(AllChunkKinds, writer.Written.ToArray());
    }

    [Fact]
    public void CapturedFeedback_IsReadAndWrittenIdentically()
    {
        var reader = new RtcpCompoundReader(Captured);
        Assert.True(reader.TryReadNext(out RtcpHeaderView packet));
        Assert.True(TransportCcFeedback.TryParse(packet, out TransportCcFeedback feedback));
        Assert.Equal(6197520, feedback.ReferenceTime);
        int[] deltasMs = [7, 3, 11, 14, 0, 1, 0, 2, 6];
        var arrivals = new List<TransportCcArrival>();
        int index = 0;
        foreach (TransportCcPacketStatus status in feedback.GetPackets())
        {
            Assert.Equal((ushort)(1 + index), status.SequenceNumber);
            Assert.Equal(TransportCcStatus.ReceivedSmallDelta, status.Status);
            Assert.Equal(deltasMs[index] * 1000L, status.DeltaMicroseconds);
            arrivals.Add(new TransportCcArrival(status.SequenceNumber, status.ReceiveTimeMicroseconds));
            index++;
        }

        Assert.Equal(9, index);
        var buffer = new byte[100];
        int length = TransportCcFeedback.Write(buffer, 1, 0xDD586EB6, 0, arrivals.ToArray(), out int consumed);
        Assert.Equal(9, consumed);
        Assert.Equal(Captured, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void RandomArrivals_RoundTrip()
    {
        var random = new Random(42);
        for (int round = 0; round < 50; round++)
        {
            var arrivals = new List<TransportCcArrival>();
            var sequenceNumber = (ushort)random.Next(65536);
            long time = 5_000_000 + random.Next(1_000_000);
            int count = random.Next(1, 400);
            for (int i = 0; i < count; i++)
            {
                sequenceNumber += (ushort)(random.Next(10) == 0 ? random.Next(2, 40) : 1);
                int kind = random.Next(10);
                if (kind == 0)
                {
                    arrivals.Add(TransportCcArrival.NotReceived(sequenceNumber));
                    continue;
                }

                time += kind switch
                {
                    1 => -random.Next(0, 5000),        // reordered
                    2 => random.Next(64_000, 500_000), // large gap
                    _ => random.Next(0, 5000),
                };
                time = Math.Max(time, 0);
                arrivals.Add(new TransportCcArrival(sequenceNumber, time / 250 * 250));
            }

            var buffer = new byte[10_000];
            int length = TransportCcFeedback.Write(buffer, 1, 2, (byte)round, arrivals.ToArray(), out int consumed);
            Assert.Equal(arrivals.Count, consumed);
            AssertRoundTrip(buffer.AsSpan(0, length), arrivals, consumed);
        }
    }

    [Fact]
    public void DeltaTooLargeFor16Bits_EndsThePacketEarly()
    {
        TransportCcArrival[] arrivals =
        [
            new(10, Reference),
            new(11, Reference + 1000),
            new(12, Reference + 1000 + (32768 * 250L)), // 8.192 s later: beyond a signed 16-bit delta
            new(13, Reference + 1000 + (32769 * 250L)),
        ];
        var buffer = new byte[100];
        int length = TransportCcFeedback.Write(buffer, 1, 2, 0, arrivals, out int consumed);
        Assert.Equal(2, consumed);
        AssertRoundTrip(buffer.AsSpan(0, length), arrivals, consumed);

        length = TransportCcFeedback.Write(buffer, 1, 2, 1, arrivals.AsSpan(consumed), out consumed);
        Assert.Equal(2, consumed);
    }

    [Fact]
    public void SmallBuffer_EndsThePacketEarly()
    {
        var arrivals = new TransportCcArrival[100];
        for (int i = 0; i < arrivals.Length; i++)
        {
            arrivals[i] = new TransportCcArrival((ushort)i, Reference + (i * 300_000L)); // every delta is large
        }

        var buffer = new byte[64];
        int length = TransportCcFeedback.Write(buffer, 1, 2, 0, arrivals, out int consumed);
        Assert.True(consumed is > 0 and < 100);
        Assert.True(length <= 64);
        AssertRoundTrip(buffer.AsSpan(0, length), arrivals, consumed);
    }

    [Fact]
    public void OutOfOrderInput_IsAProgrammingError()
    {
        var buffer = new byte[100];
        Assert.Throws<ArgumentException>(() => TransportCcFeedback.Write(buffer, 1, 2, 0, [new(5, 0), new(4, 0)], out _));
        Assert.Throws<ArgumentException>(() => TransportCcFeedback.Write(buffer, 1, 2, 0, [new(5, 0), new(5, 0)], out _));
    }

    [Fact]
    public void ReservedSymbolOrMissingDeltas_AreRejected()
    {
        byte[] packet = (byte[])Captured.Clone();
        packet[20] = 0x60; // run length chunk with the reserved symbol 11
        Assert.False(Parse(packet));

        packet = (byte[])Captured.Clone();
        packet[20] = 0x40; // run of 9 large deltas: 18 bytes needed, 10 present
        Assert.False(Parse(packet));

        packet = (byte[])Captured.Clone();
        packet[14] = 0x00;
        packet[15] = 0x30; // 48 statuses but one chunk of 9
        Assert.False(Parse(packet));
    }

    private static bool Parse(byte[] datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        return reader.TryReadNext(out RtcpHeaderView view) && TransportCcFeedback.TryParse(view, out _);
    }

    private static void AssertRoundTrip(ReadOnlySpan<byte> packet, IReadOnlyList<TransportCcArrival> arrivals, int consumed)
    {
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.TryReadNext(out RtcpHeaderView view));
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
        Assert.True(TransportCcFeedback.TryParse(view, out TransportCcFeedback feedback));
        Assert.Equal(arrivals[0].SequenceNumber, feedback.BaseSequenceNumber);

        long reference = 0;
        for (int i = 0; i < consumed; i++)
        {
            if (arrivals[i].IsReceived)
            {
                reference = arrivals[i].ArrivalTimeMicroseconds / 64_000 * 64_000;
                break;
            }
        }

        int next = 0;
        foreach (TransportCcPacketStatus status in feedback.GetPackets())
        {
            if (next < consumed && arrivals[next].SequenceNumber == status.SequenceNumber)
            {
                Assert.Equal(arrivals[next].IsReceived, status.IsReceived);
                if (status.IsReceived)
                {
                    Assert.Equal(arrivals[next].ArrivalTimeMicroseconds - reference, status.ReceiveTimeMicroseconds - (feedback.ReferenceTime * 64_000L));
                }

                next++;
            }
            else
            {
                Assert.False(status.IsReceived);
            }
        }

        Assert.Equal(consumed, next);
    }
}
