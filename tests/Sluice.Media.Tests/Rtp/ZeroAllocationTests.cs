using Sluice.Media.Rtp;
using Sluice.Media.Tests.Support;

namespace Sluice.Media.Tests.Rtp;

/// <summary>RtpKeyframe runs per forwarded packet: it must not allocate.</summary>
public class ZeroAllocationTests
{
    [Fact]
    public void RtpKeyframe_DoesNotAllocate()
    {
        var random = new Random(14);
        var samples = new List<(MediaCodec Codec, byte[] Payload)>();
        foreach (var codec in Enum.GetValues<MediaCodec>())
        {
            byte[] frame = codec switch
            {
                MediaCodec.H264 => TestFrames.H264AccessUnit(random, 3000),
                MediaCodec.AV1 => TestFrames.Av1TemporalUnit(random, 3000),
                MediaCodec.VP9 => [.. PayloadHeaderTests.KeyframeHeader(64, 48), .. TestFrames.Random(random, 3000)],
                _ when MediaCodecs.IsVideo(codec) => TestFrames.Random(random, 3000),
                _ => TestFrames.Random(random, 100),
            };
            samples.AddRange(RtpPayloadFormats.CreatePayloader(codec).Packetize(frame).Select(p => (codec, p)));
        }

        int keyframes = Run(samples); // warm up (JIT, static tables)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Run(samples);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(keyframes > 0);
    }

    private static int Run(List<(MediaCodec Codec, byte[] Payload)> samples)
    {
        int count = 0;
        foreach (var (codec, payload) in samples)
        {
            if (RtpKeyframe.IsKeyframeStart(codec, payload))
            {
                count++;
            }

            if (RtpKeyframe.IsFrameStart(codec, payload))
            {
                count++;
            }
        }

        return count;
    }
}
