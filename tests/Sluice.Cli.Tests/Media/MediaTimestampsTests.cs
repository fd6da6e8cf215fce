using Sluice.Client.Media;
using Sluice.Media;

namespace Sluice.Cli.Tests.Media;

/// <summary>The pacing arithmetic: container time to RTP clock units (RFC 3551 §4.1, RFC 7587 §4.1) and loop continuity.</summary>
public sealed class MediaTimestampsTests
{
    [Theory]
    [InlineData(1, 30, 1, 3000)]          // the common 1/30 s timebase: 3000 ticks a frame
    [InlineData(1, 30, 30, 90000)]
    [InlineData(1, 1000, 40, 3600)]       // millisecond timebase
    [InlineData(1001, 30000, 1, 3003)]    // 29.97 fps
    [InlineData(1, 90000, 12345, 12345)]  // already 90 kHz
    [InlineData(1, 60, 1, 1500)]
    [InlineData(1, 7, 1, 12857)]          // 12857.14 rounds down
    [InlineData(1, 7, 2, 25714)]          // 25714.29
    [InlineData(1, 11, 1, 8182)]          // 8181.8 rounds up
    public void Ivf_TimestampsBecome90kHz(int numerator, int denominator, long ivfTimestamp, long expected) =>
        Assert.Equal(expected, MediaTimestamps.IvfToRtp(ivfTimestamp, numerator, denominator));

    [Fact]
    public void Ivf_LongRecordings_DoNotOverflow() =>
        Assert.Equal(90000L * 3600 * 24 * 365, MediaTimestamps.IvfToRtp(1000L * 3600 * 24 * 365, 1, 1000));

    [Theory]
    [InlineData(30.0, 1, 3000)]
    [InlineData(30.0, 30, 90000)]
    [InlineData(25.0, 1, 3600)]
    [InlineData(29.97, 1, 3003)]
    [InlineData(29.97, 2997, 9000000)]    // no drift: 2997 frames are exactly 100 s
    [InlineData(60.0, 7, 10500)]
    public void H264_FrameIndexBecomesTimestamp(double fps, long index, long expected) =>
        Assert.Equal(expected, MediaTimestamps.H264FrameTimestamp(index, fps));

    [Fact]
    public void H264_BadFps_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => MediaTimestamps.H264FrameTimestamp(1, 0));

    [Fact]
    public void Opus_SamplesAccumulate_At48kHz()
    {
        // 20 ms, 20 ms, 10 ms, 60 ms packets: each starts where the previous one's samples end.
        int[] samples = [960, 960, 480, 2880];
        long timestamp = 0;
        var timestamps = new List<long>();
        foreach (var count in samples)
        {
            timestamps.Add(timestamp);
            timestamp += OggOpusSource.PacketSamples(count, [0x00]);
        }

        Assert.Equal(new long[] { 0, 960, 1920, 2400 }, timestamps);
        Assert.Equal(TimeSpan.FromMilliseconds(50), MediaTimestamps.DueTime(2400, MediaTimestamps.OpusClockRate));
    }

    [Fact]
    public void DueTime_And_SenderReportMapping_AgreeForBothClocks()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), MediaTimestamps.DueTime(90000, 90000));
        Assert.Equal(TimeSpan.FromTicks(333_333), MediaTimestamps.DueTime(3000, 90000));

        // A frame due at t is sent with initial + ts; an SR at wall time t must carry the same RTP time.
        const uint initial = 4_294_000_000;
        var due = MediaTimestamps.DueTime(960 * 50, 48000);
        Assert.Equal(MediaTimestamps.RtpTimestamp(initial, 960 * 50), MediaTimestamps.RtpTimestampAt(initial, due, 48000));
        Assert.Equal(unchecked(initial + 90000u * 100), MediaTimestamps.RtpTimestampAt(initial, TimeSpan.FromSeconds(100), 90000));
    }

    [Fact]
    public void RtpTimestamp_WrapsModulo32Bits() =>
        Assert.Equal(704u, MediaTimestamps.RtpTimestamp(uint.MaxValue - 295, 1000));

    [Fact]
    public void Loop_ContinuesTimestampsSeamlessly()
    {
        // Three frames at 0, 3000, 6000; the last lasts 3000 too: a pass is 9000 long.
        var source = new LoopingSource(new FakeSource([0, 3000, 6000], 3000));
        var timestamps = new List<long>();
        for (var i = 0; i < 8; i++)
        {
            Assert.True(source.TryReadFrame(out var frame));
            timestamps.Add(frame.Timestamp);
        }

        Assert.Equal(new long[] { 0, 3000, 6000, 9000, 12000, 15000, 18000, 21000 }, timestamps);
        Assert.Equal(2, source.Loops);
    }

    [Fact]
    public void Loop_OfOpus_AddsTheLastPacketsSamples()
    {
        var source = new LoopingSource(new FakeSource([0, 960, 1920], 480, MediaCodec.Opus));
        var timestamps = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(source.TryReadFrame(out var frame));
            timestamps.Add(frame.Timestamp);
        }

        Assert.Equal(new long[] { 0, 960, 1920, 2400, 3360 }, timestamps);
    }

    [Fact]
    public void Loop_OfAnEmptyFile_Ends()
    {
        var source = new LoopingSource(new FakeSource([], 3000));
        Assert.False(source.TryReadFrame(out _));
    }

    [Theory]
    [InlineData("a.ivf", "", "Ivf")]
    [InlineData("a.h264", "", "H264")]
    [InlineData("a.264", "", "H264")]
    [InlineData("a.ogg", "", "OggOpus")]
    [InlineData("a.opus", "", "OggOpus")]
    [InlineData("a.bin", "DKIF", "Ivf")]
    [InlineData("a.bin", "OggS", "OggOpus")]
    [InlineData("a.bin", "\0\0\0\u0001", "H264")]
    [InlineData("a.bin", "RIFF", "Unknown")]
    public void Files_AreRecognised(string path, string head, string expected) =>
        Assert.Equal(expected, MediaSources.Detect(path, System.Text.Encoding.Latin1.GetBytes(head)).ToString());

    /// <summary>Frames at the given timestamps, the last lasting <c>lastDuration</c>.</summary>
    private sealed class FakeSource(long[] timestamps, long lastDuration, MediaCodec codec = MediaCodec.VP8) : IMediaSource
    {
        private int _index;

        public MediaCodec Codec => codec;

        public int ClockRate => codec == MediaCodec.Opus ? 48000 : 90000;

        public bool IsVideo => codec != MediaCodec.Opus;

        public string Description => "fake";

        public bool TryReadFrame(out MediaFrame frame)
        {
            if (_index >= timestamps.Length)
            {
                frame = default;
                return false;
            }

            var duration = _index + 1 < timestamps.Length ? timestamps[_index + 1] - timestamps[_index] : lastDuration;
            frame = new MediaFrame(timestamps[_index], duration, [(byte)_index]);
            _index++;
            return true;
        }

        public void Rewind() => _index = 0;

        public void Dispose()
        {
        }
    }
}
