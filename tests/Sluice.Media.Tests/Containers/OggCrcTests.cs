using System.Buffers.Binary;
using Sluice.Media.Containers;

using Sluice.Testing;

namespace Sluice.Media.Tests.Containers;

/// <summary>RFC 3533 §6: CRC-32, polynomial 0x04C11DB7, not reflected, initial value 0, no final XOR.</summary>
public class OggCrcTests
{
    /// <summary>
    /// POSIX <c>cksum</c> is the same CRC followed by the message length and a final complement, so
    /// <c>printf 123456789 | cksum</c> (930766865) checks ours: CRC("123456789" + 0x09) XOR 0xFFFFFFFF.
    /// </summary>
    [Fact]
    public void MatchesPosixCksum_For123456789()
    {
        Assert.Equal(0x89A1897Fu, OggCrc.Compute("123456789"u8));
        Assert.Equal(930766865u, OggCrc.Compute("123456789\t"u8) ^ 0xFFFFFFFF);
    }

    /// <summary>The OpusHead page ffmpeg (libopus, mono) wrote, verbatim: its stored CRC is 0x8F23E7ED.</summary>
    [Fact]
    public void MatchesTheCrcOfAPageFfmpegWrote()
    {
        byte[] page =
        [
            0x4F, 0x67, 0x67, 0x53,                         // "OggS"
            0x00,                                           // version 0
            0x02,                                           // header_type: beginning of stream
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // granule position 0
            0x57, 0x0C, 0x33, 0xD1,                         // serial number
            0x00, 0x00, 0x00, 0x00,                         // page sequence 0
            0xED, 0xE7, 0x23, 0x8F,                         // CRC
            0x01,                                           // one segment
            0x13,                                           // of 19 bytes
            0x4F, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, // "OpusHead"
            0x01,                                           // version 1
            0x01,                                           // one channel
            0x38, 0x01,                                     // pre-skip 312
            0x80, 0xBB, 0x00, 0x00,                         // input sample rate 48000
            0x00, 0x00,                                     // output gain 0
            0x00,                                           // mapping family 0
        ];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(22));
        page.AsSpan(22, 4).Clear();
        Assert.Equal(0x8F23E7EDu, stored);
        Assert.Equal(stored, OggCrc.Compute(page));

        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), stored);
        using var reader = new OggOpusReaderProbe(page);
        Assert.Equal(new OpusHead(1, 312, 48000, 0, 0), reader.Head);
    }

    /// <summary>Reads just the OpusHead of a page followed by an empty OpusTags page.</summary>
    private sealed class OggOpusReaderProbe : IDisposable
    {
        private readonly OggOpusReader _reader;

        public OggOpusReaderProbe(byte[] headPage)
        {
            var stream = new MemoryStream();
            stream.Write(headPage);
            byte[] tags = [.. "OpusTags"u8, 0, 0, 0, 0, 0, 0, 0, 0];
            var page = new byte[27 + 1 + tags.Length];
            "OggS"u8.CopyTo(page);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), BinaryPrimitives.ReadUInt32LittleEndian(headPage.AsSpan(14)));
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), 1);
            page[26] = 1;
            page[27] = (byte)tags.Length;
            tags.CopyTo(page, 28);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Compute(page));
            stream.Write(page);
            stream.Position = 0;
            _reader = new OggOpusReader(stream);
        }

        public OpusHead Head => _reader.Head;

        public void Dispose() => _reader.Dispose();
    }
}
