using Sluice.Media.Rtp;
using Sluice.Media.Tests.Support;

namespace Sluice.Media.Tests.Rtp;

/// <summary>Payloads are network input: depayloaders and RtpKeyframe never throw on any bytes.</summary>
public class RobustnessTests
{
    public static TheoryData<MediaCodec> Codecs()
    {
        var data = new TheoryData<MediaCodec>();
        foreach (var codec in Enum.GetValues<MediaCodec>())
        {
            data.Add(codec);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void RandomPayloads_NeverThrow(MediaCodec codec)
    {
        var random = new Random(1000 + (int)codec);
        var depayloader = RtpPayloadFormats.CreateDepayloader(codec);
        for (int i = 0; i < 10_000; i++)
        {
            int count = random.Next(1, 5);
            var payloads = new List<ReadOnlyMemory<byte>>(count);
            for (int p = 0; p < count; p++)
            {
                var bytes = TestFrames.Random(random, random.Next(0, 40));
                if (bytes.Length > 0 && random.Next(3) == 0)
                {
                    bytes[0] = Plausible(codec, random); // steer towards the interesting header values
                }

                payloads.Add(bytes);
                RtpKeyframe.IsKeyframeStart(codec, bytes);
                RtpKeyframe.IsFrameStart(codec, bytes);
            }

            if (depayloader.TryDepacketize(payloads, out var frame))
            {
                Assert.NotNull(frame);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void EveryTruncationOfValidPayloads_NeverThrows(MediaCodec codec)
    {
        var random = new Random(2000 + (int)codec);
        byte[] frame = codec switch
        {
            MediaCodec.H264 => TestFrames.H264AccessUnit(random, 400),
            MediaCodec.AV1 => TestFrames.Av1TemporalUnit(random, 400),
            MediaCodec.VP9 => [.. PayloadHeaderTests.KeyframeHeader(64, 48), .. TestFrames.Random(random, 300)],
            _ => TestFrames.Random(random, 100),
        };
        var payloads = RtpPayloadFormats.CreatePayloader(codec).Packetize(frame, 128);
        var depayloader = RtpPayloadFormats.CreateDepayloader(codec);
        for (int index = 0; index < payloads.Count; index++)
        {
            for (int length = 0; length < payloads[index].Length; length++)
            {
                var cut = payloads.Select(p => (ReadOnlyMemory<byte>)p).ToList();
                cut[index] = payloads[index].AsMemory(0, length);
                RtpKeyframe.IsKeyframeStart(codec, cut[index].Span);
                RtpKeyframe.IsFrameStart(codec, cut[index].Span);
                depayloader.TryDepacketize(cut, out _);
            }
        }
    }

    private static byte Plausible(MediaCodec codec, Random random) => codec switch
    {
        MediaCodec.H264 => (byte)(random.Next(4) switch { 0 => 24, 1 => 28, 2 => 5, _ => random.Next(32) } | 0x60),
        MediaCodec.VP8 => (byte)(0x90 | random.Next(8)),
        MediaCodec.VP9 => (byte)(0x08 | random.Next(256)),
        MediaCodec.AV1 => (byte)(random.Next(256) & 0xF8),
        _ => (byte)random.Next(256),
    };
}
