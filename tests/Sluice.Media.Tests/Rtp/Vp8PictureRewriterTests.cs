using Sluice.Media.Rtp;

namespace Sluice.Media.Tests.Rtp;

/// <summary>
/// The VP8 PictureID / TL0PICIDX rewriter a subscription uses across source switches: the receiver sees one
/// continuous series however often, and from whatever numbering, the source changes.
/// </summary>
public sealed class Vp8PictureRewriterTests
{
    [Fact]
    public void A_single_source_passes_through_unchanged()
    {
        var rewriter = new Vp8PictureRewriter();
        for (var picture = 1000; picture < 1010; picture++)
        {
            var packet = Descriptor(picture, tl0: (picture / 3) & 0xFF);
            Assert.True(rewriter.Rewrite(packet));
            Assert.Equal((picture, (picture / 3) & 0xFF), Read(packet));
        }
    }

    [Fact]
    public void Twenty_switches_between_three_sources_keep_picture_ids_and_tl0picidx_continuous()
    {
        var random = new Random(7741);
        var sources = Enumerable.Range(0, 3).Select(_ => (Picture: random.Next(0x8000), Tl0: random.Next(256))).ToArray();
        var rewriter = new Vp8PictureRewriter();
        int? lastPicture = null, lastTl0 = null;
        var current = 0;
        for (var round = 0; round < 21; round++)
        {
            if (round > 0)
            {
                current = (current + 1 + random.Next(2)) % 3;
                rewriter.Resync();
            }

            // A few pictures of the current source, two packets each, every other one a base-layer picture (TL0PICIDX +1).
            for (var frame = 0; frame < 5; frame++)
            {
                var (picture, tl0) = sources[current];
                for (var packet = 0; packet < 2; packet++)
                {
                    var bytes = Descriptor(picture, tl0);
                    Assert.True(rewriter.Rewrite(bytes));
                    var (outPicture, outTl0) = Read(bytes);
                    if (lastPicture is { } previous)
                    {
                        // Same picture for the second packet, the next one for a new picture; never backwards.
                        Assert.Equal(packet == 0 ? (previous + 1) & 0x7FFF : previous, outPicture);
                    }

                    if (lastTl0 is { } previousTl0 && packet == 0)
                    {
                        Assert.InRange((outTl0 - previousTl0) & 0xFF, 0, 1);
                    }

                    (lastPicture, lastTl0) = (outPicture, outTl0);
                }

                sources[current] = ((picture + 1) & 0x7FFF, frame % 2 == 1 ? (tl0 + 1) & 0xFF : tl0);
            }

            // The other sources moved on meanwhile, as live encoders do.
            for (var other = 0; other < 3; other++)
            {
                if (other != current)
                {
                    sources[other] = ((sources[other].Picture + 5) & 0x7FFF, (sources[other].Tl0 + 2) & 0xFF);
                }
            }
        }
    }

    [Fact]
    public void Picture_ids_wrap_at_15_bits_and_7_bit_ones_stay_7_bits()
    {
        var rewriter = new Vp8PictureRewriter();
        var wide = Descriptor(0x7FFF, tl0: 255);
        rewriter.Rewrite(wide);
        rewriter.Resync();
        var next = Descriptor(12, tl0: 3);
        rewriter.Rewrite(next);
        Assert.Equal((0, 0), Read(next));

        var narrow = new Vp8PictureRewriter();
        byte[] seven = [0x90, 0xC0, 0x7F, 9, 0x00];
        Assert.True(narrow.Rewrite(seven));
        narrow.Resync();
        byte[] after = [0x90, 0xC0, 0x05, 1, 0x00];
        Assert.True(narrow.Rewrite(after));
        Assert.Equal(0, after[2]);
        Assert.Equal(10, after[3]);
    }

    [Fact]
    public void Malformed_descriptors_are_refused_untouched_and_plain_ones_pass()
    {
        var rewriter = new Vp8PictureRewriter();
        byte[] truncated = [0x90, 0x80, 0x80];
        Assert.False(rewriter.Rewrite(truncated));
        Assert.Equal([0x90, 0x80, 0x80], truncated);
        Assert.False(rewriter.Rewrite([]));
        byte[] plain = [0x10, 0x9d, 0x01, 0x2a];
        Assert.True(rewriter.Rewrite(plain));
        Assert.Equal([0x10, 0x9d, 0x01, 0x2a], plain);
    }

    [Fact]
    public void Skipped_pictures_leave_no_gap_and_a_retransmission_is_rewritten_as_first_sent()
    {
        // L1T3 from a source at PictureID 0x7FFD (it wraps): TID 0, 2, 1, 2, ...; only TID 0 is forwarded.
        var rewriter = new Vp8PictureRewriter();
        var sent = new List<(int Picture, int Offsets, byte[] Original)>();
        for (var i = 0; i < 12; i++)
        {
            var picture = (0x7FFD + i) & 0x7FFF;
            var packet = Descriptor(picture, tl0: 7 + (i / 4));
            if (i % 4 != 0)
            {
                rewriter.Skip(packet);
                continue;
            }

            var original = packet.ToArray();
            Assert.True(rewriter.Rewrite(packet));
            sent.Add((Read(packet).Picture, rewriter.Offsets, original));
            Assert.Equal(7 + (i / 4), Read(packet).Tl0);
        }

        // Consecutive PictureIDs (across the wrap) for the pictures forwarded.
        Assert.Equal([0x7FFD, 0x7FFE, 0x7FFF], sent.Select(s => s.Picture));

        // Much later (more pictures skipped since), a copy of the first one rewritten with its own offsets.
        var copy = sent[0].Original.ToArray();
        Assert.True(Vp8PictureRewriter.Reapply(copy, sent[0].Offsets));
        Assert.Equal((0x7FFD, 7), Read(copy));
        copy = sent[2].Original.ToArray();
        Assert.True(Vp8PictureRewriter.Reapply(copy, sent[2].Offsets));
        Assert.Equal((0x7FFF, 9), Read(copy));
    }

    [Theory]
    [InlineData(new byte[] { 0x90, 0xE0, 0x80, 0x01, 0x05, 0x80 }, true, 2, false)] // X, I (15 bits), L, T: TID 2
    [InlineData(new byte[] { 0x90, 0xA0, 0x01, 0x60 }, true, 1, true)] // X, I (7 bits), T: TID 1, Y
    [InlineData(new byte[] { 0x90, 0x90, 0x01, 0x60 }, false, 0, false)] // K without T: no TID
    [InlineData(new byte[] { 0x10, 0x9d }, false, 0, false)] // no X
    [InlineData(new byte[] { 0x90, 0xE0, 0x80 }, false, 0, false)] // cut short
    public void The_temporal_layer_is_read_only_where_the_t_bit_says_so(byte[] payload, bool present, int temporalId, bool layerSync)
    {
        Assert.Equal(present, Vp8TemporalLayer.TryRead(payload, out var tid, out var y));
        Assert.Equal((temporalId, layerSync), (tid, y));
    }

    /// <summary>X, I (15-bit PictureID), L: a frame start with a payload byte after the descriptor.</summary>
    private static byte[] Descriptor(int picture, int tl0) =>
        [0x90, 0xC0, (byte)(0x80 | (picture >> 8)), (byte)picture, (byte)tl0, 0x9d];

    private static (int Picture, int Tl0) Read(byte[] packet) => (((packet[2] & 0x7F) << 8) | packet[3], packet[4]);
}
