using Sluice.Media.Codecs;
using Sluice.Media.Containers;
using Sluice.Media.Tests.Support;

using Sluice.Testing;

namespace Sluice.Media.Tests.Containers;

/// <summary>ITU-T H.264 §B.1 byte streams and the §7.4.1.2.3 access unit boundaries.</summary>
public class H264AnnexBTests
{
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x1E, 0xDA];
    private static readonly byte[] Pps = [0x68, 0xCE, 0x3C, 0x80];
    private static readonly byte[] Sei = [0x06, 0x05, 0x01, 0xAA, 0x80];
    private static readonly byte[] Aud = [0x09, 0xF0];
    private static readonly byte[] IdrFirst = [0x65, 0x88, 0x84, 0x21];   // first_mb_in_slice ue(v) "1" = 0
    private static readonly byte[] IdrSecond = [0x65, 0x4C, 0x21, 0x07];  // "010" = 1
    private static readonly byte[] PFirst = [0x41, 0x9A, 0x02, 0x03];     // non-IDR, first_mb 0
    private static readonly byte[] PSecond = [0x41, 0x27, 0x02, 0x03];    // "00100" = 3

    private static readonly byte[][][] Units =
    [
        [Sps, Pps, IdrFirst, IdrSecond],
        [PFirst],
        [Sei, PFirst, PSecond],
        [Aud, PFirst],
        [Aud, Sps, Pps, IdrFirst],
        [PFirst, PSecond],
    ];

    /// <summary>3-byte and 4-byte start codes alternate; garbage before the first and trailing zeros are dropped.</summary>
    private static byte[] Stream()
    {
        var output = new MemoryStream();
        output.Write([0xFF, 0x00]); // before the first start code: ignored
        int n = 0;
        foreach (var unit in Units)
        {
            foreach (var nal in unit)
            {
                output.Write(n++ % 2 == 0 ? [0, 0, 1] : [0, 0, 0, 1]);
                output.Write(nal);
                if (n % 5 == 0)
                {
                    output.Write([0, 0]); // trailing_zero_8bits
                }
            }
        }

        return output.ToArray();
    }

    [Fact]
    public void GroupsNalUnitsIntoAccessUnits()
    {
        Assert.Equal(Units, ReadAll(new MemoryStream(Stream())));
    }

    [Fact]
    public void StartCodesSplitAcrossReads_AreFound()
    {
        Assert.Equal(Units, ReadAll(new TrickleStream(Stream())));
    }

    [Fact]
    public void NalLargerThanTheReadChunk_IsReadWhole()
    {
        var random = new Random(8);
        byte[] big = [0x65, 0x88, .. TestFrames.NonZero(random, 300_000)];
        var bytes = TestFrames.AnnexBOf([Sps, Pps, big, PFirst]);
        Assert.Equal([[Sps, Pps, big], [PFirst]], ReadAll(new MemoryStream(bytes)));
    }

    [Fact]
    public void WriterThenReader_RoundTrips_WithFourByteStartCodes()
    {
        var stream = new MemoryStream();
        using (var writer = new H264AnnexBWriter(stream, leaveOpen: true))
        {
            foreach (var unit in Units)
            {
                writer.WriteAccessUnit(unit);
            }

            Assert.Equal(Units.Length, writer.AccessUnitCount);
        }

        var bytes = stream.ToArray();
        Assert.Equal(Units.SelectMany(u => u).Sum(n => 4 + n.Length), bytes.Length);
        Assert.Equal([0, 0, 0, 1, 0x67], bytes[..5]);
        Assert.Equal(Units, ReadAll(new MemoryStream(bytes)));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0, 0, 1 })]
    public void NothingToRead_IsFalse(byte[] bytes)
    {
        using var reader = new H264AnnexBReader(new MemoryStream(bytes));
        Assert.False(reader.TryReadAccessUnit(out var unit));
        Assert.Null(unit);
    }

    [Theory]
    [InlineData(new byte[] { 0x65, 0x88 }, 0u)]
    [InlineData(new byte[] { 0x65, 0x40 }, 1u)]
    [InlineData(new byte[] { 0x65, 0x60 }, 2u)]
    [InlineData(new byte[] { 0x41, 0x27 }, 3u)]
    [InlineData(new byte[] { 0x41, 0x00, 0x80, 0x00 }, 255u)] // 8 zeros, 1, 8 zero bits: 2^8 - 1 + 0
    [InlineData(new byte[] { 0x41, 0x00, 0x00, 0x80, 0x00, 0x00 }, 65535u)] // 16 zeros, 1, 16 zero bits
    public void FirstMbInSlice_IsUeV(byte[] nal, uint expected)
    {
        Assert.True(H264Nal.TryReadFirstMbInSlice(nal, out uint value));
        Assert.Equal(expected, value);
        Assert.Equal(expected == 0, H264Nal.IsFirstSliceOfPicture(nal));
    }

    [FfmpegFact]
    public void FfmpegFile_HasOneAccessUnitPerFrame()
    {
        string path = H264File();
        var (exit, output) = Ffmpeg.Run(Ffmpeg.ProbePath, $"-v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 \"{path}\"");
        Assert.Equal(0, exit);
        int frames = int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(30, frames);

        using var reader = new H264AnnexBReader(File.OpenRead(path));
        var units = new List<IReadOnlyList<byte[]>>();
        while (reader.TryReadAccessUnit(out var unit))
        {
            units.Add(unit!);
        }

        Assert.Equal(frames, units.Count);
        Assert.Contains(units[0], n => (n[0] & 0x1F) == 7);
        Assert.Contains(units[0], n => (n[0] & 0x1F) == 5);
        Assert.All(units.Skip(1), u => Assert.DoesNotContain(u, n => (n[0] & 0x1F) == 5));
    }

    internal static string H264File() => Ffmpeg.Generate(
        "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v libx264 -profile:v baseline -preset ultrafast -g 300 -bsf:v h264_mp4toannexb -f h264",
        "baseline.h264");

    private static List<IReadOnlyList<byte[]>> ReadAll(Stream stream)
    {
        using var reader = new H264AnnexBReader(stream);
        var units = new List<IReadOnlyList<byte[]>>();
        while (reader.TryReadAccessUnit(out var unit))
        {
            units.Add(unit!);
        }

        return units;
    }

    /// <summary>Returns at most 1–3 bytes per read, so start codes straddle reads.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        private int _calls;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1 + (_calls++ % 3)));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1 + (_calls++ % 3))]);
    }
}
