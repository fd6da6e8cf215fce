using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>In-place forwarding rewrites of RFC 3550 §5.1 fields and RFC 8285 extension ids.</summary>
public class RtpHeaderRewriterTests
{
    private static byte[] OneByte() =>
    [
        0x90, 0x60,             // V=2 X=1 | M=0 PT=96
        0x00, 0x01,             // sequence number 1
        0x00, 0x00, 0x00, 0x02, // timestamp 2
        0x00, 0x00, 0x00, 0x03, // SSRC 3
        0xBE, 0xDE, 0x00, 0x03, // one-byte profile, 3 words
        0x10, 0xAA,             // id 1, 1 byte
        0x00,                   // padding
        0x32, 0x01, 0x02, 0x03, // id 3, 3 bytes
        0x51, 0xBB, 0xCC,       // id 5, 2 bytes
        0x00, 0x00,             // padding
        0x99,                   // payload
    ];

    private static byte[] TwoByte() =>
    [
        0x90, 0x6F, 0xAB, 0xCD, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0x10, 0x00, 0x00, 0x03, // two-byte profile, 3 words
        0x01, 0x00,             // id 1, empty
        0x10, 0x03, 0x61, 0x62, 0x63, // id 16, "abc"
        0x02, 0x02, 0x11, 0x22, // id 2, 2 bytes
        0x00,
        0xF0, 0xF1,
    ];

    [Fact]
    public void Fields_AreRewrittenInPlace()
    {
        byte[] packet = OneByte();
        RtpHeaderRewriter.SetSsrc(packet, 0xA1B2C3D4);
        RtpHeaderRewriter.SetPayloadType(packet, 100);
        RtpHeaderRewriter.SetSequenceNumber(packet, 0xFFFE);
        RtpHeaderRewriter.SetTimestamp(packet, 0x01020304);
        RtpHeaderRewriter.SetMarker(packet, true);

        byte[] expected = OneByte();
        expected[1] = 0xE4;                                  // M=1 PT=100
        expected[2] = 0xFF; expected[3] = 0xFE;              // sequence number
        expected[4] = 0x01; expected[5] = 0x02; expected[6] = 0x03; expected[7] = 0x04; // timestamp
        expected[8] = 0xA1; expected[9] = 0xB2; expected[10] = 0xC3; expected[11] = 0xD4; // SSRC
        Assert.Equal(expected, packet);

        RtpHeaderRewriter.SetPayloadType(packet, 96);
        Assert.Equal(0xE0, packet[1]); // the marker survives a payload type change
        RtpHeaderRewriter.SetMarker(packet, false);
        Assert.Equal(0x60, packet[1]);
    }

    [Fact]
    public void OneByteIds_AreRemappedAndRemoved()
    {
        byte[] packet = OneByte();
        byte[] map = new byte[16];
        map[1] = 2;   // 1 → 2
        map[3] = 0;   // 3 → removed
        map[5] = 14;  // 5 → 14
        Assert.True(RtpHeaderRewriter.RewriteExtensionIds(packet, map));

        byte[] expected = OneByte();
        expected[16] = 0x20;                                          // id 2, L=0
        expected[19] = 0; expected[20] = 0; expected[21] = 0; expected[22] = 0; // element became padding
        expected[23] = 0xE1;                                          // id 14, L=1
        Assert.Equal(expected, packet);

        Assert.True(RtpPacket.TryParse(packet, out RtpPacket rtp));
        Assert.True(rtp.TryGetExtension(2, out ReadOnlySpan<byte> level));
        Assert.Equal(new byte[] { 0xAA }, level.ToArray());
        Assert.False(rtp.TryGetExtension(3, out _));
        Assert.True(rtp.TryGetExtension(14, out ReadOnlySpan<byte> data));
        Assert.Equal(new byte[] { 0xBB, 0xCC }, data.ToArray());
    }

    [Fact]
    public void TwoByteIds_AreRemappedAndRemoved()
    {
        byte[] packet = TwoByte();
        byte[] map = new byte[256];
        map[1] = 20;
        map[16] = 0;
        map[2] = 200;
        Assert.True(RtpHeaderRewriter.RewriteExtensionIds(packet, map));

        byte[] expected = TwoByte();
        expected[16] = 20;                                     // id 1 → 20
        for (int i = 18; i < 23; i++)
        {
            expected[i] = 0;                                   // id 16 element zeroed into padding
        }

        expected[23] = 200;                                    // id 2 → 200
        Assert.Equal(expected, packet);
    }

    [Fact]
    public void IdThatDoesNotFitOneByteForm_LeavesPacketUntouched()
    {
        byte[] packet = OneByte();
        byte[] map = [0, 2, 0, 4, 0, 15]; // 5 → 15 is reserved in the one-byte form
        Assert.False(RtpHeaderRewriter.RewriteExtensionIds(packet, map));
        Assert.Equal(OneByte(), packet);
    }

    [Fact]
    public void MalformedExtension_LeavesPacketUntouched()
    {
        byte[] packet = TwoByte();
        packet[24] = 0x09; // id 2 now claims 9 bytes, past the extension end
        byte[] copy = (byte[])packet.Clone();
        byte[] map = new byte[256];
        map[1] = 20;
        Assert.False(RtpHeaderRewriter.RewriteExtensionIds(packet, map));
        Assert.Equal(copy, packet);
        Assert.False(RtpHeaderRewriter.RewriteExtensionIds(packet.AsSpan(0, 10), map));
    }

    [Fact]
    public void PacketWithoutExtension_IsUnchanged()
    {
        byte[] packet = [0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x42];
        Assert.True(RtpHeaderRewriter.RewriteExtensionIds(packet, [0, 2]));
        Assert.Equal(new byte[] { 0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x42 }, packet);
    }
}
