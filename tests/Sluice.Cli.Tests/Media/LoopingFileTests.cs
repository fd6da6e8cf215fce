using Sluice.Client.Media;
using Sluice.Media;
using Sluice.Media.Containers;

namespace Sluice.Cli.Tests.Media;

/// <summary>`whip --loop` over real files: each source rewinds its own stream, which must stay open.</summary>
public sealed class LoopingFileTests
{
    [Fact]
    public void An_ivf_file_loops_with_timestamps_still_increasing()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var writer = new IvfWriter(File.Create(path), MediaCodec.VP8, 320, 240, timebaseDenominator: 30))
            {
                for (var i = 0; i < 3; i++)
                {
                    writer.WriteFrame([0x10, (byte)i], i);
                }
            }

            using var source = new LoopingSource(new IvfSource(File.OpenRead(path)));
            var timestamps = new List<long>();
            var payloads = new List<byte>();
            for (var i = 0; i < 9; i++)
            {
                Assert.True(source.TryReadFrame(out var frame), $"frame {i} of the looped file");
                timestamps.Add(frame.Timestamp);
                payloads.Add(frame.Data[1]);
            }

            Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1, 2], payloads);
            Assert.Equal(2, source.Loops);
            Assert.True(timestamps.Zip(timestamps.Skip(1)).All(p => p.Second > p.First), string.Join(",", timestamps));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
