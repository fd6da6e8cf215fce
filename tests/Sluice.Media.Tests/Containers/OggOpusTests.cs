using System.Buffers.Binary;
using Sluice.Media.Containers;
using Sluice.Media.Tests.Support;

using Sluice.Testing;

namespace Sluice.Media.Tests.Containers;

/// <summary>RFC 7845 (Ogg Opus) over RFC 3533 (Ogg) pages.</summary>
public class OggOpusTests
{
    // TOC 0xFC: config 31 (CELT 20 ms), stereo, code 0 → 960 samples. TOC 0x78: config 15 (hybrid 20 ms), code 0.
    private static byte[] Packet(Random random, int length, byte toc = 0xFC)
    {
        var packet = TestFrames.Random(random, length);
        packet[0] = toc;
        return packet;
    }

    [Fact]
    public void WriteThenRead_RoundTripsPacketsAndGranules()
    {
        var random = new Random(2);
        var packets = Enumerable.Range(0, 10).Select(i => Packet(random, 50 + i * 60)).ToList();
        packets.Add(Packet(random, 600)); // 600 bytes: three lacing segments (255, 255, 90)
        packets.Add(Packet(random, 510, toc: 0xFD)); // code 1: two frames, 1920 samples; 510 = 2 × 255 ends on a 0 lace
        var bytes = Write(packets, channels: 2, preSkip: 312);

        using var reader = new OggOpusReader(new MemoryStream(bytes));
        Assert.Equal(new OpusHead(2, 312, 48000, 0, 0), reader.Head);
        long granule = 0;
        foreach (var expected in packets)
        {
            Assert.True(reader.TryReadPacket(out var packet));
            granule += expected[0] == 0xFD ? 1920 : 960;
            Assert.Equal(expected, packet!.Data);
            Assert.Equal(granule, packet.GranulePosition);
            Assert.Equal(expected[0] == 0xFD ? 1920 : 960, packet.Samples48k);
        }

        Assert.False(reader.TryReadPacket(out _));
        Assert.True(reader.EndOfStream);
    }

    [Fact]
    public void Pages_HaveBosThenEosOnlyOnTheLastPage_AndValidCrcs()
    {
        var random = new Random(3);
        var bytes = Write([Packet(random, 100), Packet(random, 100), Packet(random, 100)], 1, 0);
        var pages = Pages(bytes);
        Assert.Equal(5, pages.Count); // OpusHead, OpusTags, three audio pages
        Assert.Equal(0x02, pages[0].Flags);
        Assert.All(pages.Skip(1).SkipLast(1), p => Assert.Equal(0x00, p.Flags));
        Assert.Equal(0x04, pages[^1].Flags);
        Assert.Equal([0, 0, 960, 1920, 2880], pages.Select(p => p.Granule));
        Assert.Equal([0u, 1, 2, 3, 4], pages.Select(p => p.Sequence));
        Assert.All(pages, p => Assert.Equal(0x5EED0001u, p.Serial));
        Assert.All(pages, p => Assert.True(p.CrcValid));
    }

    [Fact]
    public void NoAudio_StillEndsWithAnEmptyEosPage()
    {
        var bytes = Write([], 2, 312);
        var pages = Pages(bytes);
        Assert.Equal(3, pages.Count);
        Assert.Equal(0x04, pages[^1].Flags);
        using var reader = new OggOpusReader(new MemoryStream(bytes));
        Assert.False(reader.TryReadPacket(out _));
    }

    [Fact]
    public void PacketSpanningPages_IsReassembled_AndGranuleIsMinusOneWhereNoPacketEnds()
    {
        var random = new Random(4);
        var big = Packet(random, 700);
        var small = Packet(random, 40);
        // Hand-made pages: OpusHead, OpusTags, then [small, first 510 of big] and a continued page [rest of big].
        var stream = new MemoryStream();
        var headAndTags = Write([], 2, 312);
        var pages = Pages(headAndTags);
        stream.Write(headAndTags.AsSpan(0, pages[0].Length + pages[1].Length));
        WritePage(stream, 0, 960, 2, [40, 255, 255], [.. small, .. big.AsSpan(0, 510)]);
        WritePage(stream, 0x01, 1920, 3, [190], big.AsSpan(510).ToArray());
        stream.Position = 0;

        using var reader = new OggOpusReader(stream);
        Assert.True(reader.TryReadPacket(out var first));
        Assert.Equal(small, first!.Data);
        Assert.Equal(960, first.GranulePosition);
        Assert.True(reader.TryReadPacket(out var second));
        Assert.Equal(big, second!.Data);
        Assert.Equal(1920, second.GranulePosition);
        Assert.False(reader.TryReadPacket(out _));
    }

    [Fact]
    public void TwoPacketsEndingOnOnePage_OnlyTheLastGetsTheGranule()
    {
        var random = new Random(5);
        var a = Packet(random, 30);
        var b = Packet(random, 20);
        var stream = new MemoryStream();
        var headAndTags = Write([], 2, 312);
        var pages = Pages(headAndTags);
        stream.Write(headAndTags.AsSpan(0, pages[0].Length + pages[1].Length));
        WritePage(stream, 0x04, 1920, 2, [30, 20], [.. a, .. b]);
        stream.Position = 0;

        using var reader = new OggOpusReader(stream);
        Assert.True(reader.TryReadPacket(out var first));
        Assert.Equal(-1, first!.GranulePosition);
        Assert.True(reader.TryReadPacket(out var second));
        Assert.Equal(1920, second!.GranulePosition);
    }

    [Fact]
    public void CorruptByte_IsAnInvalidDataExceptionNamingTheCrc()
    {
        var random = new Random(6);
        var bytes = Write([Packet(random, 100), Packet(random, 100)], 2, 312);
        var pages = Pages(bytes);
        int thirdPage = pages[0].Length + pages[1].Length;
        bytes[thirdPage + 40] ^= 0x01;

        using var reader = new OggOpusReader(new MemoryStream(bytes));
        var error = Assert.Throws<InvalidDataException>(() => reader.TryReadPacket(out _));
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
        Assert.Contains($"byte {thirdPage}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncation_ThrowsInvalidDataUnlessItFallsOnAPageBoundary()
    {
        var random = new Random(7);
        var bytes = Write([Packet(random, 300), Packet(random, 100)], 2, 312);
        var pages = Pages(bytes);
        int headersEnd = pages[0].Length + pages[1].Length;
        var boundaries = new HashSet<int>();
        int offset = 0;
        foreach (var page in pages)
        {
            offset += page.Length;
            boundaries.Add(offset);
        }

        for (int length = 0; length < bytes.Length; length++)
        {
            var cut = new MemoryStream(bytes, 0, length);
            if (length >= headersEnd && boundaries.Contains(length))
            {
                using var reader = new OggOpusReader(cut);
                int packets = 0;
                while (reader.TryReadPacket(out _))
                {
                    packets++;
                }

                Assert.Equal(length == headersEnd ? 0 : 1, packets);
            }
            else
            {
                Assert.Throws<InvalidDataException>(() =>
                {
                    using var reader = new OggOpusReader(cut);
                    while (reader.TryReadPacket(out _))
                    {
                    }
                });
            }
        }
    }

    [Fact]
    public void NotOpus_Throws()
    {
        var error = Assert.Throws<InvalidDataException>(() => new OggOpusReader(new MemoryStream("RIFF0000WAVEfmt 0000000000000000"u8.ToArray())));
        Assert.Contains("OggS", error.Message, StringComparison.Ordinal);
    }

    [FfmpegFact]
    public void ReadsAnFfmpegOpusFile()
    {
        string path = Ffmpeg.Generate("-f lavfi -i sine=frequency=440:duration=2 -c:a libopus -b:a 64k", "sine.opus");
        using var reader = new OggOpusReader(File.OpenRead(path));
        Assert.Equal(1, reader.Head.Channels);
        Assert.Equal(312, reader.Head.PreSkip);
        Assert.Equal(48000, reader.Head.InputSampleRate);

        int packets = 0;
        long samples = 0;
        long lastGranule = 0;
        while (reader.TryReadPacket(out var packet))
        {
            packets++;
            Assert.Equal(960, packet!.Samples48k); // libopus default: 20 ms frames
            samples += packet.Samples48k;
            if (packet.GranulePosition >= 0)
            {
                Assert.True(packet.GranulePosition >= lastGranule);
                Assert.True(packet.GranulePosition <= samples);
                lastGranule = packet.GranulePosition;
            }
        }

        // Two seconds plus the 312 pre-skip samples, in 20 ms packets; the last granule trims the padding.
        Assert.Equal((96000 + 312 + 959) / 960, packets);
        Assert.Equal(96000 + 312, lastGranule);
        Assert.True(reader.EndOfStream);
    }

    [FfmpegFact]
    public void FfmpegDecodesWhatWeWrite()
    {
        string source = Ffmpeg.Generate("-f lavfi -i sine=frequency=440:duration=2 -c:a libopus -b:a 64k", "sine.opus");
        string copy = Path.Combine(Path.GetDirectoryName(source)!, "rewritten.opus");
        using (var reader = new OggOpusReader(File.OpenRead(source)))
        using (var writer = new OggOpusWriter(File.Create(copy), reader.Head.Channels, reader.Head.PreSkip))
        {
            while (reader.TryReadPacket(out var packet))
            {
                writer.WritePacket(packet!.Data);
            }
        }

        var (exit, output) = Ffmpeg.Run(Ffmpeg.ExecutablePath, $"-hide_banner -v error -i \"{copy}\" -f null -");
        Assert.True(exit == 0 && output.Length == 0, output);
    }

    private static byte[] Write(IEnumerable<byte[]> packets, int channels, int preSkip)
    {
        var stream = new MemoryStream();
        using (var writer = new OggOpusWriter(stream, channels, preSkip, leaveOpen: true))
        {
            foreach (var packet in packets)
            {
                writer.WritePacket(packet);
            }
        }

        return stream.ToArray();
    }

    private static void WritePage(Stream stream, byte flags, long granule, uint sequence, byte[] laces, byte[] body)
    {
        var page = new byte[27 + laces.Length + body.Length];
        "OggS"u8.CopyTo(page);
        page[5] = flags;
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), 0x5EED0001);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), sequence);
        page[26] = (byte)laces.Length;
        laces.CopyTo(page, 27);
        body.CopyTo(page, 27 + laces.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Compute(page));
        stream.Write(page);
    }

    private sealed record Page(int Length, byte Flags, long Granule, uint Serial, uint Sequence, bool CrcValid);

    private static List<Page> Pages(byte[] bytes)
    {
        var pages = new List<Page>();
        for (int offset = 0; offset < bytes.Length;)
        {
            Assert.Equal("OggS"u8.ToArray(), bytes[offset..(offset + 4)]);
            int segments = bytes[offset + 26];
            int length = 27 + segments;
            for (int i = 0; i < segments; i++)
            {
                length += bytes[offset + 27 + i];
            }

            var page = bytes.AsSpan(offset, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(22));
            page.AsSpan(22, 4).Clear();
            pages.Add(new Page(
                length,
                bytes[offset + 5],
                BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset + 6)),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 14)),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 18)),
                OggCrc.Compute(page) == crc));
            offset += length;
        }

        return pages;
    }
}
