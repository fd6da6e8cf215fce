using System.Buffers.Binary;
using Sluice.Media.Containers;
using Sluice.Media.Tests.Support;

using Sluice.Testing;

namespace Sluice.Media.Tests.Containers;

public class IvfTests
{
    [Fact]
    public void WriteThenRead_RoundTripsHeaderFramesAndTimestamps()
    {
        var random = new Random(1);
        var frames = Enumerable.Range(0, 5).Select(i => TestFrames.Random(random, 100 + i * 37)).ToArray();
        var stream = new MemoryStream();
        using (var writer = new IvfWriter(stream, MediaCodec.VP9, 320, 240, 30, 1, leaveOpen: true))
        {
            for (int i = 0; i < frames.Length; i++)
            {
                writer.WriteFrame(frames[i], i * 2);
            }

            Assert.Equal(5, writer.FrameCount);
        }

        var bytes = stream.ToArray();
        Assert.Equal(32 + frames.Sum(f => 12 + f.Length), bytes.Length);
        Assert.Equal("DKIF"u8.ToArray(), bytes[..4]);
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));

        stream.Position = 0;
        using var reader = new IvfReader(stream);
        Assert.Equal(new IvfHeader("VP90", 320, 240, 30, 1, 5), reader.Header);
        Assert.Equal(MediaCodec.VP9, reader.Codec);
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.True(reader.TryReadFrame(out var frame));
            Assert.Equal(i * 2, frame!.Timestamp);
            Assert.Equal(frames[i], frame.Data);
        }

        Assert.False(reader.TryReadFrame(out _));
        Assert.False(reader.IsTruncated);
    }

    [Fact]
    public void Header_IsTheDocumentedLayout()
    {
        var stream = new MemoryStream();
        new IvfWriter(stream, MediaCodec.AV1, 640, 360, leaveOpen: true).Dispose();
        byte[] expected =
        [
            (byte)'D', (byte)'K', (byte)'I', (byte)'F', // signature
            0x00, 0x00,                                 // version 0
            0x20, 0x00,                                 // header length 32
            (byte)'A', (byte)'V', (byte)'0', (byte)'1', // FourCC
            0x80, 0x02,                                 // width 640
            0x68, 0x01,                                 // height 360
            0x90, 0x5F, 0x01, 0x00,                     // timebase denominator 90000
            0x01, 0x00, 0x00, 0x00,                     // timebase numerator 1
            0x00, 0x00, 0x00, 0x00,                     // frame count 0
            0x00, 0x00, 0x00, 0x00,                     // unused
        ];
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void NonSeekableStream_LeavesFrameCountZero()
    {
        var inner = new MemoryStream();
        using (var writer = new IvfWriter(new ForwardOnlyStream(inner), MediaCodec.VP8, 2, 2))
        {
            writer.WriteFrame([1, 2, 3], 0);
        }

        using var reader = new IvfReader(new MemoryStream(inner.ToArray()));
        Assert.Equal(0, reader.Header.FrameCount);
        Assert.True(reader.TryReadFrame(out var frame));
        Assert.Equal([1, 2, 3], frame!.Data);
    }

    [Fact]
    public void EveryTruncation_IsAClearErrorOrAnEndNeverACrash()
    {
        var stream = new MemoryStream();
        using (var writer = new IvfWriter(stream, MediaCodec.VP8, 16, 16, leaveOpen: true))
        {
            writer.WriteFrame([1, 2, 3, 4, 5], 0);
            writer.WriteFrame([6, 7, 8], 3000);
        }

        var bytes = stream.ToArray();
        for (int length = 0; length < bytes.Length; length++)
        {
            var cut = new MemoryStream(bytes, 0, length);
            if (length < 32)
            {
                var error = Assert.Throws<InvalidDataException>(() => new IvfReader(cut));
                Assert.Contains("IVF", error.Message, StringComparison.Ordinal);
                continue;
            }

            using var reader = new IvfReader(cut);
            int frames = 0;
            while (reader.TryReadFrame(out _))
            {
                frames++;
            }

            int complete = length >= 32 + 17 + 15 ? 2 : length >= 32 + 17 ? 1 : 0;
            Assert.Equal(complete, frames);
            Assert.Equal(length != 32 && length != 32 + 17, reader.IsTruncated);
        }
    }

    [Theory]
    [InlineData("RIFF")]
    [InlineData("DKIX")]
    public void NotIvf_Throws(string signature)
    {
        var bytes = new byte[32];
        System.Text.Encoding.ASCII.GetBytes(signature).CopyTo(bytes, 0);
        Assert.Throws<InvalidDataException>(() => new IvfReader(new MemoryStream(bytes)));
    }

    [Fact]
    public void UnknownFourCc_ThrowsNamingIt()
    {
        var stream = new MemoryStream();
        new IvfWriter(stream, MediaCodec.VP8, 1, 1, leaveOpen: true).Dispose();
        var bytes = stream.ToArray();
        "XVID"u8.CopyTo(bytes.AsSpan(8));
        var error = Assert.Throws<InvalidDataException>(() => new IvfReader(new MemoryStream(bytes)));
        Assert.Contains("XVID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeFrameSize_IsRejectedNotAllocated()
    {
        var stream = new MemoryStream();
        new IvfWriter(stream, MediaCodec.VP8, 1, 1, leaveOpen: true).Dispose();
        stream.Write([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]);
        stream.Position = 0;
        using var reader = new IvfReader(stream);
        Assert.Throws<InvalidDataException>(() => reader.TryReadFrame(out _));
    }

    [FfmpegTheory]
    [InlineData("libvpx", "VP80", MediaCodec.VP8)]
    [InlineData("libvpx-vp9", "VP90", MediaCodec.VP9)]
    public void ReadsFfmpegIvf(string encoder, string fourCc, MediaCodec codec)
    {
        string path = Ffmpeg.Generate($"-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v {encoder} -deadline realtime -cpu-used 8 -f ivf", $"{encoder}.ivf");
        using var reader = new IvfReader(File.OpenRead(path));
        Assert.Equal(fourCc, reader.Header.FourCc);
        Assert.Equal(codec, reader.Codec);
        Assert.Equal((320, 240), (reader.Header.Width, reader.Header.Height));
        int frames = 0;
        long last = -1;
        while (reader.TryReadFrame(out var frame))
        {
            Assert.True(frame!.Timestamp > last);
            last = frame.Timestamp;
            frames++;
        }

        Assert.InRange(frames, 28, 31);
        Assert.False(reader.IsTruncated);
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
