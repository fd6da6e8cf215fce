using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>Network input never throws: random buffers and every truncation of valid packets.</summary>
public class RtpRobustnessTests
{
    private static readonly byte[] IdentityMap = CreateMap();

    [Fact]
    public void RandomBuffers_NeverThrow()
    {
        var random = new Random(20240607);
        var buffer = new byte[1500];
        int parsed = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(0, i % 10 == 0 ? 1500 : 64);
            Span<byte> packet = buffer.AsSpan(0, length);
            random.NextBytes(packet);
            if (length > 0 && i % 2 == 0)
            {
                // Half the time look like RTP version 2, often with an extension, so the deeper paths run.
                packet[0] = (byte)(0x80 | (packet[0] & 0x3F));
                if (length > 15 && i % 4 == 0)
                {
                    packet[0] |= 0x10;
                    packet[0] &= 0xF0;
                    packet[12] = (i % 8 == 0) ? (byte)0xBE : (byte)0x10;
                    packet[13] = (i % 8 == 0) ? (byte)0xDE : (byte)0x00;
                    packet[14] = 0;
                    packet[15] = (byte)random.Next(0, 8);
                }
            }

            if (Exercise(packet))
            {
                parsed++;
            }
        }

        Assert.True(parsed > 1000, $"only {parsed} random buffers parsed: the generator no longer reaches the deep paths");
    }

    [Fact]
    public void EveryTruncation_NeverThrowsAndShortHeadersAreRejected()
    {
        foreach (byte[] valid in RtpTestPackets.All())
        {
            Assert.True(RtpPacket.TryParse(valid, out RtpPacket full));
            int headerLength = full.HeaderLength;
            bool padded = full.HasPadding;
            for (int length = 0; length < valid.Length; length++)
            {
                byte[] truncated = valid.AsSpan(0, length).ToArray();
                bool ok = Exercise(truncated);
                if (length < headerLength)
                {
                    Assert.False(ok, $"a {length}-byte prefix of a packet with a {headerLength}-byte header was accepted");
                }

                if (padded && length >= headerLength)
                {
                    // The last byte is now payload, not a padding count: accepted only if it happens to fit.
                    Assert.Equal(truncated[^1] != 0 && truncated[^1] <= length - headerLength, ok);
                }
            }
        }
    }

    private static bool Exercise(Span<byte> packet)
    {
        bool parsed = RtpPacket.TryParse(packet, out RtpPacket rtp);
        if (parsed)
        {
            _ = rtp.Marker;
            _ = rtp.PayloadType;
            _ = rtp.SequenceNumber;
            _ = rtp.Timestamp;
            _ = rtp.Ssrc;
            _ = rtp.ExtensionProfile;
            _ = rtp.Payload.Length;
            for (int i = 0; i < rtp.CsrcCount; i++)
            {
                _ = rtp.GetCsrc(i);
            }

            foreach (RtpExtension extension in rtp.GetExtensions())
            {
                _ = extension.Data.Length;
            }

            _ = rtp.TryGetExtension(5, out _);
        }

        _ = RtpDemux.IsRtcp(packet);
        byte[] copy = packet.ToArray();
        _ = RtpHeaderRewriter.RewriteExtensionIds(copy, IdentityMap);
        _ = RtpHeaderRewriter.RewriteExtensionIds(copy, []);
        return parsed;
    }

    private static byte[] CreateMap()
    {
        var map = new byte[256];
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = (byte)(i % 15);
        }

        return map;
    }
}
