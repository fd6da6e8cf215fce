using Sluice.Media.Rtp;
using Sluice.Media.Tests.Support;

namespace Sluice.Media.Tests.Rtp;

public class PayloadRoundTripTests
{
    public static TheoryData<MediaCodec, int, int> VideoCases()
    {
        var data = new TheoryData<MediaCodec, int, int>();
        foreach (var codec in new[] { MediaCodec.VP8, MediaCodec.VP9, MediaCodec.H264, MediaCodec.AV1 })
        {
            foreach (int size in new[] { 100, 5_000, 50_000 })
            {
                data.Add(codec, size, 1200);
            }

            data.Add(codec, 5_000, RtpPayloader.MinPayloadSize);
            data.Add(codec, 50_000, 300);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VideoCases))]
    public void Video_RoundTripsWithinTheSizeLimit(MediaCodec codec, int size, int maxPayloadSize)
    {
        var random = new Random(size + maxPayloadSize + (int)codec);
        byte[] frame = codec switch
        {
            MediaCodec.H264 => TestFrames.H264AccessUnit(random, size),
            MediaCodec.AV1 => TestFrames.Av1TemporalUnit(random, size),
            _ => TestFrames.Random(random, size),
        };

        var payloads = RtpPayloadFormats.CreatePayloader(codec).Packetize(frame, maxPayloadSize);
        Assert.NotEmpty(payloads);
        Assert.All(payloads, p => Assert.InRange(p.Length, 1, maxPayloadSize));
        Assert.True(RtpKeyframe.IsFrameStart(codec, payloads[0]));
        if (codec is MediaCodec.VP8 or MediaCodec.VP9)
        {
            Assert.All(payloads.Skip(1), p => Assert.False(RtpKeyframe.IsFrameStart(codec, p)));
        }

        if (size >= 5_000)
        {
            Assert.True(payloads.Count >= size / maxPayloadSize);
        }

        Assert.True(RtpPayloadFormats.CreateDepayloader(codec).TryDepacketize(Memories(payloads), out var rebuilt));
        Assert.Equal(frame, rebuilt);
    }

    [Fact]
    public void H264_SmallNalsShareOneStapA_LargeOnesBecomeFuAs()
    {
        var frame = TestFrames.H264AccessUnit(new Random(9), 5_000);
        var payloads = RtpPayloadFormats.CreatePayloader(MediaCodec.H264).Packetize(frame);
        Assert.Equal(24, payloads[0][0] & 0x1F); // STAP-A: SPS, PPS, SEI
        Assert.All(payloads.Skip(1), p => Assert.Equal(28, p[0] & 0x1F));
        Assert.Equal(0x80 | 5, payloads[1][1]); // FU header: S, IDR
        Assert.Equal(0x40 | 5, payloads[^1][1]); // FU header: E, IDR
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, payloads[0]));
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, payloads[1]));
        Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, payloads[2]));
    }

    [Fact]
    public void H264_ThreeByteStartCodes_ComeBackAsFourByte()
    {
        byte[] frame = [0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 0x88, 4];
        var payloads = RtpPayloadFormats.CreatePayloader(MediaCodec.H264).Packetize(frame);
        Assert.True(RtpPayloadFormats.CreateDepayloader(MediaCodec.H264).TryDepacketize(Memories(payloads), out var rebuilt));
        Assert.Equal([0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 0x88, 4], rebuilt);
    }

    [Fact]
    public void Av1_DropsTheTemporalDelimiterAndSizeFields_AndTheDepayloaderPutsThemBack()
    {
        var frame = TestFrames.Av1TemporalUnit(new Random(10), 60);
        var payloads = RtpPayloadFormats.CreatePayloader(MediaCodec.AV1).Packetize(frame);
        var payload = Assert.Single(payloads);
        Assert.Equal(0x08, payload[0]); // Z=0 Y=0 W=0 N=1
        Assert.Equal(12, payload[1]);   // element length: sequence header OBU without its size field
        Assert.Equal(0x08, payload[2]); // OBU header: type 1, has_size_field cleared
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.AV1, payload));

        var inter = RtpPayloadFormats.CreatePayloader(MediaCodec.AV1).Packetize(TestFrames.Av1TemporalUnit(new Random(11), 60, withSequenceHeader: false));
        Assert.Equal(0x00, inter[0][0]);
        Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.AV1, inter[0]));
    }

    [Theory]
    [InlineData(MediaCodec.Opus)]
    [InlineData(MediaCodec.G722)]
    [InlineData(MediaCodec.PCMU)]
    [InlineData(MediaCodec.PCMA)]
    public void Audio_PayloadIsTheFrame(MediaCodec codec)
    {
        var frame = TestFrames.Random(new Random(12), 160);
        var payload = Assert.Single(RtpPayloadFormats.CreatePayloader(codec).Packetize(frame));
        Assert.Equal(frame, payload);
        Assert.True(RtpKeyframe.IsKeyframeStart(codec, payload));
        Assert.True(RtpKeyframe.IsFrameStart(codec, payload));
        Assert.True(RtpPayloadFormats.CreateDepayloader(codec).TryDepacketize([payload], out var rebuilt));
        Assert.Equal(frame, rebuilt);
        Assert.False(RtpPayloadFormats.CreateDepayloader(codec).TryDepacketize([payload, payload], out _));
        Assert.Throws<ArgumentException>(() => RtpPayloadFormats.CreatePayloader(codec).Packetize(new byte[1201]));
    }

    [Theory]
    [InlineData(MediaCodec.VP8)]
    [InlineData(MediaCodec.VP9)]
    [InlineData(MediaCodec.H264)]
    [InlineData(MediaCodec.AV1)]
    [InlineData(MediaCodec.Opus)]
    public void EmptyFrame_HasNoPayloads_AndNoPayloadsMakeNoFrame(MediaCodec codec)
    {
        Assert.Empty(RtpPayloadFormats.CreatePayloader(codec).Packetize([]));
        Assert.False(RtpPayloadFormats.CreateDepayloader(codec).TryDepacketize([], out var frame));
        Assert.Null(frame);
    }

    [Theory]
    [InlineData(MediaCodec.VP8)]
    [InlineData(MediaCodec.VP9)]
    [InlineData(MediaCodec.H264)]
    [InlineData(MediaCodec.AV1)]
    public void MissingPacket_IsRejected(MediaCodec codec)
    {
        var random = new Random(13);
        byte[] frame = codec switch
        {
            MediaCodec.H264 => TestFrames.H264AccessUnit(random, 5_000),
            MediaCodec.AV1 => TestFrames.Av1TemporalUnit(random, 5_000),
            _ => TestFrames.Random(random, 5_000),
        };
        var payloads = RtpPayloadFormats.CreatePayloader(codec).Packetize(frame).ToList();
        var depayloader = RtpPayloadFormats.CreateDepayloader(codec);

        // Loss detection proper is the caller's (sequence numbers); these are the losses the formats themselves show.
        if (codec != MediaCodec.H264)
        {
            // H.264: a lost leading STAP-A leaves a valid-looking FU-A run.
            Assert.False(depayloader.TryDepacketize(Memories(payloads.Skip(1)), out _));
        }

        if (codec != MediaCodec.VP8)
        {
            // VP8's descriptor has no end bit: only the RTP marker tells.
            Assert.False(depayloader.TryDepacketize(Memories(payloads.SkipLast(1)), out _));
        }
    }

    [Fact]
    public void TooSmallMaxPayloadSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RtpPayloadFormats.CreatePayloader(MediaCodec.VP8).Packetize([1, 2, 3], RtpPayloader.MinPayloadSize - 1));

    [Fact]
    public void MediaCodecs_NamesAndClockRates()
    {
        foreach (var codec in Enum.GetValues<MediaCodec>())
        {
            Assert.True(MediaCodecs.TryParse(MediaCodecs.SdpName(codec).ToLowerInvariant(), out var parsed));
            Assert.Equal(codec, parsed);
            Assert.True(MediaCodecs.TryParse(MediaCodecs.SdpName(codec).ToUpperInvariant(), out parsed));
            Assert.Equal(codec, parsed);
        }

        Assert.Equal("opus", MediaCodecs.SdpName(MediaCodec.Opus));
        Assert.False(MediaCodecs.TryParse("H265", out _));
        Assert.Equal(90000, MediaCodecs.ClockRate(MediaCodec.AV1));
        Assert.Equal(48000, MediaCodecs.ClockRate(MediaCodec.Opus));
        Assert.Equal(8000, MediaCodecs.ClockRate(MediaCodec.G722));
        Assert.Equal(8000, MediaCodecs.ClockRate(MediaCodec.PCMA));
        Assert.True(MediaCodecs.IsVideo(MediaCodec.H264));
        Assert.False(MediaCodecs.IsVideo(MediaCodec.PCMU));
    }

    internal static List<ReadOnlyMemory<byte>> Memories(IEnumerable<byte[]> payloads) => payloads.Select(p => (ReadOnlyMemory<byte>)p).ToList();
}
