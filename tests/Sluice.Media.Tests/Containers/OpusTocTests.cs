using Sluice.Media.Containers;

namespace Sluice.Media.Tests.Containers;

/// <summary>RFC 6716 §3.1 (Table 2, TOC configurations) and §3.2 (frame count codes 0–3).</summary>
public class OpusTocTests
{
    // Table 2: configs 0–11 SILK (10/20/40/60 ms), 12–15 hybrid (10/20 ms), 16–31 CELT (2.5/5/10/20 ms).
    private static readonly int[] FrameMs10 =
    [
        100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600,
        100, 200, 100, 200,
        25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200,
    ];

    public static TheoryData<int> Configs()
    {
        var data = new TheoryData<int>();
        for (int config = 0; config < 32; config++)
        {
            data.Add(config);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void EveryConfigAndCode(int config)
    {
        int frame = FrameMs10[config] * 48 / 10; // ms × 48 samples, from tenths of a ms
        foreach (byte stereo in new byte[] { 0, 4 })
        {
            byte toc = (byte)((config << 3) | stereo);
            Assert.Equal(frame, OpusToc.FrameSamples48k(config));
            Assert.Equal(frame, OpusToc.Samples48k([(byte)(toc | 0), 0xAA]));        // code 0: one frame
            Assert.Equal(2 * frame, OpusToc.Samples48k([(byte)(toc | 1), 0xAA]));    // code 1: two equal frames
            Assert.Equal(2 * frame, OpusToc.Samples48k([(byte)(toc | 2), 1, 0xAA])); // code 2: two frames, sizes differ
            for (int count = 1; count <= 48; count++)
            {
                // code 3: frame count byte |v|p| M (6 bits)|, with the VBR and padding bits set to show they are ignored.
                int expected = count * frame <= OpusToc.MaxSamples48k ? count * frame : 0;
                Assert.Equal(expected, OpusToc.Samples48k([(byte)(toc | 3), (byte)(0xC0 | count), 0, 0]));
            }

            Assert.Equal(0, OpusToc.Samples48k([(byte)(toc | 3), 0x00])); // M = 0 is invalid
            Assert.Equal(0, OpusToc.Samples48k([(byte)(toc | 3)]));       // code 3 without its count byte
        }
    }

    [Fact]
    public void EmptyPacket_IsZero() => Assert.Equal(0, OpusToc.Samples48k([]));

    [Fact]
    public void Code3_MaxIs120Ms()
    {
        Assert.Equal(5760, OpusToc.Samples48k([(28 << 3) | 3, 48])); // 48 × 2.5 ms (CELT, config 28)
        Assert.Equal(5760, OpusToc.Samples48k([(3 << 3) | 3, 2]));   // 2 × 60 ms
        Assert.Equal(0, OpusToc.Samples48k([(3 << 3) | 3, 3]));      // 3 × 60 ms is too long
    }
}
