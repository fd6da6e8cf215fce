using Sluice.Rtc.Dtls;

namespace Sluice.Rtc.Tests.Dtls;

/// <summary>RFC 6347 §4.1 record framing and §4.1.1 packing of several records per datagram.</summary>
public class DtlsRecordPackerTests
{
    private static readonly byte[] ThreeRecords =
    [
        // record 1: 13-byte header + 4-byte fragment = 17 bytes
        0x16,                               // type: handshake (22)
        0xFE, 0xFD,                         // version: DTLS 1.2
        0x00, 0x00,                         // epoch 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // sequence_number 0
        0x00, 0x04,                         // length 4
        0x01, 0x02, 0x03, 0x04,             // fragment
        // record 2: 13 + 1 = 14 bytes
        0x14,                               // type: change_cipher_spec (20)
        0xFE, 0xFD,                         // version
        0x00, 0x00,                         // epoch 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // sequence_number 1
        0x00, 0x01,                         // length 1
        0x01,                               // ChangeCipherSpec
        // record 3: 13 + 3 = 16 bytes
        0x17,                               // type: application_data (23)
        0xFE, 0xFD,                         // version
        0x00, 0x01,                         // epoch 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // sequence_number 0
        0x00, 0x03,                         // length 3
        0xAA, 0xBB, 0xCC,                   // ciphertext
    ];

    [Fact]
    public void Record_lengths_come_from_the_header()
    {
        Assert.True(DtlsRecordPacker.TryGetRecordLength(ThreeRecords, out int first));
        Assert.Equal(17, first);
        Assert.True(DtlsRecordPacker.TryGetRecordLength(ThreeRecords.AsSpan(17), out int second));
        Assert.Equal(14, second);
        Assert.True(DtlsRecordPacker.TryGetRecordLength(ThreeRecords.AsSpan(31), out int third));
        Assert.Equal(16, third);
    }

    [Theory]
    [InlineData(1200, new[] { 47 })]    // everything fits one datagram
    [InlineData(31, new[] { 31, 16 })]  // records 1+2 exactly fill the MTU
    [InlineData(30, new[] { 17, 30 })]  // record 1 alone; 2+3 together
    [InlineData(10, new[] { 17, 14, 16 })] // each record alone even when above the MTU
    public void Whole_records_are_packed_up_to_the_mtu(int mtu, int[] expectedSizes)
    {
        var datagrams = new List<byte[]>();

        DtlsRecordPacker.Send(ThreeRecords, mtu, datagram => datagrams.Add(datagram.ToArray()));

        Assert.Equal(expectedSizes, datagrams.Select(d => d.Length));
        Assert.Equal(ThreeRecords, datagrams.SelectMany(d => d));
    }

    [Fact]
    public void Truncated_input_is_rejected_and_still_sent_whole()
    {
        for (int length = 0; length < ThreeRecords.Length; length++)
        {
            byte[] truncated = ThreeRecords[..length];
            if (length < 17)
            {
                Assert.False(DtlsRecordPacker.TryGetRecordLength(truncated, out _));
            }

            var sent = new List<byte>();
            DtlsRecordPacker.Send(truncated, 1200, datagram => sent.AddRange(datagram.ToArray()));
            Assert.Equal(truncated, sent);
        }
    }

    [Fact]
    public void Random_input_never_throws_and_loses_no_bytes()
    {
        var random = new Random(6347);
        for (int i = 0; i < 3000; i++)
        {
            byte[] data = new byte[random.Next(0, 3000)];
            random.NextBytes(data);
            int total = 0;
            DtlsRecordPacker.Send(data, random.Next(1, 1500), datagram => total += datagram.Length);
            Assert.Equal(data.Length, total);
        }
    }
}
