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
    [Fact]
    public void A_two_byte_value_overwrites_its_element_in_place()
    {
        byte[] packet = OneByte();
        var buffer = new byte[64];
        packet.CopyTo(buffer);
        Assert.Equal(packet.Length, RtpHeaderRewriter.SetTwoByteValue(buffer, packet.Length, 5, 0x1234));
        byte[] expected = OneByte();
        expected[24] = 0x12; expected[25] = 0x34;
        Assert.Equal(expected, buffer[..packet.Length]);
    }

    [Fact]
    public void A_two_byte_value_is_appended_to_a_one_byte_block_moving_payload_and_padding()
    {
        byte[] packet = [.. OneByte()[..^1], 0x99, 0xAA, 0x00, 0x00, 0x03]; // payload 99 AA, 3 bytes of padding...
        packet[0] |= 0x20;                                            // ...announced by P
        var buffer = new byte[64];
        packet.CopyTo(buffer);
        var length = RtpHeaderRewriter.SetTwoByteValue(buffer, packet.Length, 7, 0xBEEF);
        Assert.Equal(packet.Length + 4, length);
        Assert.True(RtpPacket.TryParse(buffer.AsSpan(0, length), out var rtp));
        Assert.True(rtp.TryGetExtension(7, out var value));
        Assert.Equal([0xBE, 0xEF], value.ToArray());
        Assert.True(rtp.TryGetExtension(3, out var kept));
        Assert.Equal([0x01, 0x02, 0x03], kept.ToArray());
        Assert.Equal([0x99, 0xAA], rtp.Payload.ToArray());
        Assert.Equal(3, rtp.PaddingLength);
    }

    [Fact]
    public void A_two_byte_value_gets_a_block_of_its_own_in_a_packet_without_extensions()
    {
        byte[] packet = [0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xDE, 0xAD];
        var buffer = new byte[64];
        packet.CopyTo(buffer);
        var length = RtpHeaderRewriter.SetTwoByteValue(buffer, packet.Length, 3, 513);
        Assert.Equal(packet.Length + 8, length);
        Assert.True(RtpPacket.TryParse(buffer.AsSpan(0, length), out var rtp));
        Assert.Equal(RtpExtensionProfile.OneByte, rtp.ExtensionProfile);
        Assert.True(rtp.TryGetExtension(3, out var value));
        Assert.Equal([2, 1], value.ToArray());
        Assert.Equal([0xDE, 0xAD], rtp.Payload.ToArray());
        Assert.Equal(1u, rtp.SequenceNumber);
    }

    [Fact]
    public void A_two_byte_value_is_appended_to_a_two_byte_block()
    {
        byte[] packet = TwoByte();
        var buffer = new byte[64];
        packet.CopyTo(buffer);
        var length = RtpHeaderRewriter.SetTwoByteValue(buffer, packet.Length, 200, 0x0102);
        Assert.Equal(packet.Length + 4, length);
        Assert.True(RtpPacket.TryParse(buffer.AsSpan(0, length), out var rtp));
        Assert.True(rtp.TryGetExtension(200, out var value));
        Assert.Equal([1, 2], value.ToArray());
        Assert.True(rtp.TryGetExtension(16, out var abc));
        Assert.Equal("abc"u8.ToArray(), abc.ToArray());
        Assert.Equal([0xF0, 0xF1], rtp.Payload.ToArray());
    }

    [Fact]
    public void A_two_byte_value_refuses_what_it_cannot_carry()
    {
        var buffer = new byte[64];
        OneByte().CopyTo(buffer);
        Assert.Equal(-1, RtpHeaderRewriter.SetTwoByteValue(buffer, OneByte().Length, 15, 1));     // not a one-byte id
        Assert.Equal(-1, RtpHeaderRewriter.SetTwoByteValue(buffer, 11, 3, 1));                    // shorter than a header
        Assert.Equal(-1, RtpHeaderRewriter.SetTwoByteValue(buffer.AsSpan(0, OneByte().Length + 2), OneByte().Length, 4, 1)); // no room
        Assert.Equal(OneByte(), buffer[..OneByte().Length]);
    }
}
