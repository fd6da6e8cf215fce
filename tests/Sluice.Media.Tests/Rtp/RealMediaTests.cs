using Sluice.Media.Containers;
using Sluice.Media.Rtp;
using Sluice.Media.Tests.Containers;
using Sluice.Media.Tests.Support;

using Sluice.Testing;

namespace Sluice.Media.Tests.Rtp;

/// <summary>Files ffmpeg encodes at test time, sent through our payloaders and depayloaders and decoded again by ffmpeg.</summary>
public class RealMediaTests
{
    private const string Source = "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -g 300";

    [FfmpegTheory]
    [InlineData(MediaCodec.VP8, "-c:v libvpx -deadline realtime -cpu-used 8")]
    [InlineData(MediaCodec.VP9, "-c:v libvpx-vp9 -deadline realtime -cpu-used 8")]
    [InlineData(MediaCodec.AV1, "-c:v libaom-av1 -usage realtime -cpu-used 8")]
    public void IvfFrames_RoundTripAndDecode(MediaCodec codec, string encoder)
    {
        string path = Ffmpeg.Generate($"{Source} {encoder} -f ivf", $"real-{codec}.ivf");
        string rebuiltPath = Path.Combine(Path.GetDirectoryName(path)!, $"rebuilt-{codec}.ivf");
        var payloader = RtpPayloadFormats.CreatePayloader(codec);
        var depayloader = RtpPayloadFormats.CreateDepayloader(codec);
        var firstPackets = new List<byte[]>();
        using (var reader = new IvfReader(File.OpenRead(path)))
        using (var writer = new IvfWriter(File.Create(rebuiltPath), codec, reader.Header.Width, reader.Header.Height, reader.Header.TimebaseDenominator, reader.Header.TimebaseNumerator))
        {
            Assert.Equal(codec, reader.Codec);
            while (reader.TryReadFrame(out var frame))
            {
                var payloads = payloader.Packetize(frame!.Data);
                Assert.All(payloads, p => Assert.InRange(p.Length, 1, 1200));
                firstPackets.Add(payloads[0]);
                Assert.True(depayloader.TryDepacketize(PayloadRoundTripTests.Memories(payloads), out var rebuilt));
                Assert.Equal(frame.Data, rebuilt);
                writer.WriteFrame(rebuilt, frame.Timestamp);
            }
        }

        Assert.InRange(firstPackets.Count, 28, 31);
        Assert.True(RtpKeyframe.IsKeyframeStart(codec, firstPackets[0]));
        Assert.All(firstPackets.Skip(1), p => Assert.False(RtpKeyframe.IsKeyframeStart(codec, p)));
        Assert.All(firstPackets, p => Assert.True(RtpKeyframe.IsFrameStart(codec, p)));
        AssertDecodes(rebuiltPath, firstPackets.Count);
    }

    [FfmpegFact]
    public void H264AccessUnits_RoundTripAndDecode()
    {
        string path = H264AnnexBTests.H264File();
        string rebuiltPath = Path.Combine(Path.GetDirectoryName(path)!, "rebuilt.h264");
        var payloader = RtpPayloadFormats.CreatePayloader(MediaCodec.H264);
        var depayloader = RtpPayloadFormats.CreateDepayloader(MediaCodec.H264);
        var firstPackets = new List<byte[]>();
        bool fragmented = false;
        using (var reader = new H264AnnexBReader(File.OpenRead(path)))
        using (var output = File.Create(rebuiltPath))
        {
            while (reader.TryReadAccessUnit(out var unit))
            {
                var frame = TestFrames.AnnexBOf(unit!);
                var payloads = payloader.Packetize(frame);
                Assert.All(payloads, p => Assert.InRange(p.Length, 1, 1200));
                fragmented |= payloads.Any(p => (p[0] & 0x1F) == 28);
                firstPackets.Add(payloads[0]);
                Assert.True(depayloader.TryDepacketize(PayloadRoundTripTests.Memories(payloads), out var rebuilt));
                Assert.Equal(frame, rebuilt);
                output.Write(rebuilt);
            }
        }

        Assert.Equal(30, firstPackets.Count);
        Assert.True(fragmented);
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, firstPackets[0]));
        Assert.All(firstPackets.Skip(1), p => Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, p)));
        AssertDecodes(rebuiltPath, 30);
    }

    private static void AssertDecodes(string path, int frames)
    {
        var (exit, output) = Ffmpeg.Run(Ffmpeg.ExecutablePath, $"-hide_banner -v error -i \"{path}\" -f null -");
        Assert.True(exit == 0 && output.Trim().Length == 0, $"ffmpeg could not decode {path}: {output}");
        var (probeExit, count) = Ffmpeg.Run(Ffmpeg.ProbePath, $"-v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 \"{path}\"");
        Assert.Equal(0, probeExit);
        Assert.Equal(frames.ToString(System.Globalization.CultureInfo.InvariantCulture), count.Trim());
    }
}
