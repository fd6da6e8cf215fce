using Sluice.Testing;

namespace Sluice.Interop.Tests.Support;

/// <summary>Media files for the peers, made by Debian's ffmpeg at test time (none are committed).</summary>
public static class InteropMedia
{
    /// <summary>10 s of VP8 in IVF, 320x240 at 30 fps with a keyframe every second, to be sent in a loop.</summary>
    public static string Vp8Ivf() => Ffmpeg.Generate(
        "-f lavfi -i testsrc2=size=320x240:rate=30 -t 10 -pix_fmt yuv420p -c:v libvpx -deadline realtime -cpu-used 8 -g 30 -b:v 600k -f ivf",
        "interop-vp8.ivf");

    /// <summary>
    /// 10 s of Opus in Ogg with one 20 ms packet per page: Pion's oggreader hands out pages, and a page must be
    /// one RTP payload (ffmpeg's default page holds a second of packets).
    /// </summary>
    public static string OpusOgg() => Ffmpeg.Generate(
        "-f lavfi -i sine=frequency=440:duration=10 -c:a libopus -b:a 64k -page_duration 20000 -f ogg",
        "interop-sine.ogg");

    /// <summary>10 s of VP8 video and Opus audio in WebM, for players that decode and encode again (aiortc's MediaPlayer).</summary>
    public static string Webm() => Ffmpeg.Generate(
        "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=frequency=440 -t 10 -pix_fmt yuv420p -c:v libvpx -deadline realtime -cpu-used 8 -g 30 -b:v 600k -c:a libopus -b:a 64k -f webm",
        "interop-av.webm");
}
