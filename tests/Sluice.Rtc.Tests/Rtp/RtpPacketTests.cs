using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>RFC 3550 §5.1 fixed header, CSRCs and padding; RFC 8285 one-byte and two-byte extensions.</summary>
public class RtpPacketTests
{
    private static readonly byte[] NoExtension =
    [
        0x80, 0x60,             // V=2 P=0 X=0 CC=0 | M=0 PT=96
        0x12, 0x34,             // sequence number 0x1234
        0x00, 0x01, 0xE2, 0x40, // timestamp 123456
        0xDE, 0xAD, 0xBE, 0xEF, // SSRC
        0x01, 0x02, 0x03, 0x04, 0x05, // payload
    ];

    private static readonly byte[] OneByteExtensions =
    [
        0x90, 0xE0,             // V=2 P=0 X=1 CC=0 | M=1 PT=96
        0x00, 0x01,             // sequence number 1
        0x00, 0x00, 0x00, 0x02, // timestamp 2
        0x00, 0x00, 0x00, 0x03, // SSRC 3
        0xBE, 0xDE, 0x00, 0x02, // one-byte profile, length 2 words
        0x10, 0xAA,             // id 1, L=0 → 1 byte: 0xAA
        0x32, 0x01, 0x02, 0x03, // id 3, L=2 → 3 bytes
        0x00, 0x00,             // padding to the word boundary
        0x99,                   // payload
    ];

    private static readonly byte[] OneByteExtensionsWithPadding =
    [
        0x90, 0x60,             // V=2 X=1 | PT=96
        0x00, 0x01,             // sequence number 1
        0x00, 0x00, 0x00, 0x02, // timestamp 2
        0x00, 0x00, 0x00, 0x03, // SSRC 3
        0xBE, 0xDE, 0x00, 0x03, // one-byte profile, length 3 words
        0x10, 0xAA,             // id 1, 1 byte
        0x00, 0x00,             // padding bytes between elements (RFC 8285 §4.2)
        0x32, 0x01, 0x02, 0x03, // id 3, 3 bytes
        0x51, 0xBB, 0xCC,       // id 5, 2 bytes
        0x00,                   // padding
        0x99,                   // payload
    ];

    private static readonly byte[] TwoByteExtensions =
    [
        0x90, 0x6F,             // V=2 X=1 | PT=111
        0xAB, 0xCD,             // sequence number
        0x11, 0x22, 0x33, 0x44, // timestamp
        0x55, 0x66, 0x77, 0x88, // SSRC
        0x10, 0x00, 0x00, 0x03, // two-byte profile 0x1000, length 3 words
        0x01, 0x00,             // id 1, length 0 (only the two-byte form allows empty data)
        0x10, 0x03, 0x61, 0x62, 0x63, // id 16, length 3 "abc"
        0x02, 0x02, 0x11, 0x22, // id 2, length 2
        0x00,                   // padding
        0xF0, 0xF1,             // payload
    ];

    private static readonly byte[] CsrcsAndPadding =
    [
        0xA2, 0x08,             // V=2 P=1 X=0 CC=2 | M=0 PT=8
        0xFF, 0xFF,             // sequence number 65535
        0xFF, 0xFF, 0xFF, 0xFF, // timestamp
        0x11, 0x22, 0x33, 0x44, // SSRC
        0x01, 0x02, 0x03, 0x04, // CSRC 1
        0x05, 0x06, 0x07, 0x08, // CSRC 2
        0xD5, 0xD5, 0xD5,       // payload
        0x00, 0x00, 0x00, 0x04, // 4 bytes of padding, the last one counting them
    ];

    [Fact]
    public void NoExtension_ParsesAndWritesBack()
    {
        Assert.True(RtpPacket.TryParse(NoExtension, out RtpPacket rtp));
        Assert.False(rtp.Marker);
        Assert.Equal(96, rtp.PayloadType);
        Assert.Equal(0x1234, rtp.SequenceNumber);
        Assert.Equal(123456u, rtp.Timestamp);
        Assert.Equal(0xDEADBEEFu, rtp.Ssrc);
        Assert.Equal(0, rtp.CsrcCount);
        Assert.False(rtp.HasExtension);
        Assert.Equal(0, rtp.ExtensionProfile);
        Assert.True(rtp.ExtensionData.IsEmpty);
        Assert.Equal(12, rtp.HeaderLength);
        Assert.Equal(0, rtp.PaddingLength);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, rtp.Payload.ToArray());
        Assert.False(rtp.GetExtensions().MoveNext());

        var buffer = new byte[1500];
        var writer = new RtpPacketWriter(buffer) { PayloadType = 96, SequenceNumber = 0x1234, Timestamp = 123456, Ssrc = 0xDEADBEEF };
        int length = writer.Write(rtp.Payload);
        Assert.Equal(NoExtension, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void OneByteExtensions_ParseAndWriteBack()
    {
        Assert.True(RtpPacket.TryParse(OneByteExtensions, out RtpPacket rtp));
        Assert.True(rtp.Marker);
        Assert.True(rtp.HasExtension);
        Assert.Equal(0xBEDE, rtp.ExtensionProfile);
        Assert.Equal(8, rtp.ExtensionData.Length);
        Assert.Equal(24, rtp.HeaderLength);
        Assert.Equal(new byte[] { 0x99 }, rtp.Payload.ToArray());

        var buffer = new byte[1500];
        var writer = new RtpPacketWriter(buffer) { Marker = true, PayloadType = 96, SequenceNumber = 1, Timestamp = 2, Ssrc = 3 };
        writer.AddExtension(1, [0xAA]);
        writer.AddExtension(3, [0x01, 0x02, 0x03]);
        int length = writer.Write([0x99]);
        Assert.Equal(OneByteExtensions, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void OneByteExtensions_SkipPaddingBetweenElements()
    {
        Assert.True(RtpPacket.TryParse(OneByteExtensionsWithPadding, out RtpPacket rtp));
        RtpExtensionEnumerator extensions = rtp.GetExtensions();
        Assert.True(extensions.MoveNext());
        Assert.Equal(1, extensions.Current.Id);
        Assert.Equal(new byte[] { 0xAA }, extensions.Current.Data.ToArray());
        Assert.True(extensions.MoveNext());
        Assert.Equal(3, extensions.Current.Id);
        Assert.Equal(new byte[] { 1, 2, 3 }, extensions.Current.Data.ToArray());
        Assert.True(extensions.MoveNext());
        Assert.Equal(5, extensions.Current.Id);
        Assert.Equal(new byte[] { 0xBB, 0xCC }, extensions.Current.Data.ToArray());
        Assert.False(extensions.MoveNext());

        Assert.True(rtp.TryGetExtension(5, out ReadOnlySpan<byte> data));
        Assert.Equal(new byte[] { 0xBB, 0xCC }, data.ToArray());
        Assert.False(rtp.TryGetExtension(2, out _));
        Assert.Equal(new byte[] { 0x99 }, rtp.Payload.ToArray());
    }

    [Fact]
    public void TwoByteExtensions_ParseAndWriteBack()
    {
        Assert.True(RtpPacket.TryParse(TwoByteExtensions, out RtpPacket rtp));
        Assert.Equal(111, rtp.PayloadType);
        Assert.Equal(0xABCD, rtp.SequenceNumber);
        Assert.Equal(0x11223344u, rtp.Timestamp);
        Assert.Equal(0x55667788u, rtp.Ssrc);
        Assert.Equal(0x1000, rtp.ExtensionProfile);

        int count = 0;
        foreach (RtpExtension extension in rtp.GetExtensions())
        {
            switch (count++)
            {
                case 0:
                    Assert.Equal(1, extension.Id);
                    Assert.True(extension.Data.IsEmpty);
                    break;
                case 1:
                    Assert.Equal(16, extension.Id);
                    Assert.Equal("abc"u8.ToArray(), extension.Data.ToArray());
                    break;
                default:
                    Assert.Equal(2, extension.Id);
                    Assert.Equal(new byte[] { 0x11, 0x22 }, extension.Data.ToArray());
                    break;
            }
        }

        Assert.Equal(3, count);
        Assert.Equal(new byte[] { 0xF0, 0xF1 }, rtp.Payload.ToArray());

        var buffer = new byte[1500];
        var writer = new RtpPacketWriter(buffer) { PayloadType = 111, SequenceNumber = 0xABCD, Timestamp = 0x11223344, Ssrc = 0x55667788 };
        writer.AddExtension(1, []);
        writer.AddExtension(16, "abc"u8);
        writer.AddExtension(2, [0x11, 0x22]);
        int length = writer.Write([0xF0, 0xF1]);
        Assert.Equal(TwoByteExtensions, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void Writer_ChoosesTwoByteForLongData()
    {
        var buffer = new byte[1500];
        var writer = new RtpPacketWriter(buffer) { PayloadType = 96 };
        writer.AddExtension(3, new byte[17]);
        int length = writer.Write([]);
        Assert.True(RtpPacket.TryParse(buffer.AsSpan(0, length), out RtpPacket rtp));
        Assert.Equal(0x1000, rtp.ExtensionProfile);
        Assert.True(rtp.TryGetExtension(3, out ReadOnlySpan<byte> data));
        Assert.Equal(17, data.Length);
    }

    [Fact]
    public void CsrcsAndPadding_ParseAndWriteBack()
    {
        Assert.True(RtpPacket.TryParse(CsrcsAndPadding, out RtpPacket rtp));
        Assert.Equal(8, rtp.PayloadType);
        Assert.Equal(65535, rtp.SequenceNumber);
        Assert.Equal(uint.MaxValue, rtp.Timestamp);
        Assert.Equal(2, rtp.CsrcCount);
        Assert.Equal(0x01020304u, rtp.GetCsrc(0));
        Assert.Equal(0x05060708u, rtp.GetCsrc(1));
        Assert.Equal(20, rtp.HeaderLength);
        Assert.True(rtp.HasPadding);
        Assert.Equal(4, rtp.PaddingLength);
        Assert.Equal(new byte[] { 0xD5, 0xD5, 0xD5 }, rtp.Payload.ToArray());

        var buffer = new byte[1500];
        var writer = new RtpPacketWriter(buffer) { PayloadType = 8, SequenceNumber = 65535, Timestamp = uint.MaxValue, Ssrc = 0x11223344, PaddingLength = 4 };
        writer.AddCsrc(0x01020304);
        writer.AddCsrc(0x05060708);
        int length = writer.Write([0xD5, 0xD5, 0xD5]);
        Assert.Equal(CsrcsAndPadding, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void Writer_CsrcAfterExtension_MovesTheExtension()
    {
        var first = new byte[100];
        var writer = new RtpPacketWriter(first) { PayloadType = 96, Ssrc = 7 };
        writer.AddExtension(2, [1, 2]);
        writer.AddCsrc(0xCAFEBABE);
        writer.AddExtension(4, [3]);
        int length1 = writer.Write([9]);

        var second = new byte[100];
        var ordered = new RtpPacketWriter(second) { PayloadType = 96, Ssrc = 7 };
        ordered.AddCsrc(0xCAFEBABE);
        ordered.AddExtension(2, [1, 2]);
        ordered.AddExtension(4, [3]);
        int length2 = ordered.Write([9]);

        Assert.Equal(second.AsSpan(0, length2).ToArray(), first.AsSpan(0, length1).ToArray());
        Assert.True(RtpPacket.TryParse(first.AsSpan(0, length1), out RtpPacket rtp));
        Assert.Equal(0xCAFEBABEu, rtp.GetCsrc(0));
        Assert.True(rtp.TryGetExtension(4, out ReadOnlySpan<byte> data));
        Assert.Equal(new byte[] { 3 }, data.ToArray());
    }

    [Fact]
    public void Writer_BufferTooSmall_Throws()
    {
        var buffer = new byte[14];
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new RtpPacketWriter(buffer);
            writer.Write([1, 2, 3]);
        });
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 })]                    // version 1
    [InlineData(new byte[] { 0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0 })]                       // 11 bytes
    [InlineData(new byte[] { 0x81, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 })]                    // CC=1 but no CSRC
    [InlineData(new byte[] { 0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE })]        // extension header cut
    [InlineData(new byte[] { 0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0, 1 })]  // extension body missing
    [InlineData(new byte[] { 0xA0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 0 })]              // padding count 0
    [InlineData(new byte[] { 0xA0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 3 })]              // padding longer than payload
    public void Malformed_IsRejected(byte[] packet) => Assert.False(RtpPacket.TryParse(packet, out _));

    [Fact]
    public void Extensions_StopAtMalformedElementAndAtId15()
    {
        byte[] packet =
        [
            0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
            0xBE, 0xDE, 0x00, 0x02, // one-byte profile, 2 words
            0x10, 0xAA,             // id 1, 1 byte
            0xF0,                   // id 15: processing stops here (RFC 8285 §4.2)
            0x20, 0xBB,             // id 2, never seen
            0x00, 0x00, 0x00,
        ];
        Assert.True(RtpPacket.TryParse(packet, out RtpPacket rtp));
        Assert.True(rtp.TryGetExtension(1, out _));
        Assert.False(rtp.TryGetExtension(2, out _));

        packet[18] = 0x3F; // id 3 claiming 16 bytes: runs past the extension
        Assert.True(RtpPacket.TryParse(packet, out rtp));
        RtpExtensionEnumerator extensions = rtp.GetExtensions();
        Assert.True(extensions.MoveNext());
        Assert.False(extensions.MoveNext());
    }
}
