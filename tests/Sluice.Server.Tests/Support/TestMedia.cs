using Sluice.Testing;

namespace Sluice.Server.Tests.Support;

/// <summary>Short real media files made by Debian's ffmpeg at test time (none are committed).</summary>
internal static class TestMedia
{
    private const string Picture = "-f lavfi -i testsrc2=size=320x240:rate=30 -t 3 -pix_fmt yuv420p";

    public static string Video(string codec) => codec switch
    {
        "VP8" => Ffmpeg.Generate($"{Picture} -c:v libvpx -deadline realtime -cpu-used 8 -g 30 -b:v 600k -f ivf", "vp8.ivf"),
        "VP9" => Ffmpeg.Generate($"{Picture} -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 1 -g 30 -b:v 600k -f ivf", "vp9.ivf"),
        "AV1" => Ffmpeg.Generate($"{Picture} -c:v libaom-av1 -usage realtime -cpu-used 8 -g 30 -b:v 600k -f ivf", "av1.ivf"),
        "H264" => Ffmpeg.Generate($"{Picture} -c:v libx264 -profile:v baseline -preset ultrafast -tune zerolatency -g 30 -bsf:v h264_mp4toannexb -f h264", "h264.h264"),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "no test file for this codec"),
    };

    /// <summary>A longer, heavier VP8 file (6 s, 640x360, 1.5 Mbit/s): enough packets to measure loss on.</summary>
    public static string LongVp8() => Ffmpeg.Generate(
        "-f lavfi -i testsrc2=size=640x360:rate=30 -t 6 -pix_fmt yuv420p -c:v libvpx -deadline realtime -cpu-used 8 -g 60 -b:v 1500k -f ivf", "vp8-long.ivf");

    public static string Opus() => Ffmpeg.Generate("-f lavfi -i sine=frequency=440:duration=3 -c:a libopus -b:a 64k", "sine.opus");

    public static string TempDirectory() => Directory.CreateTempSubdirectory("sluice-test-").FullName;
}
