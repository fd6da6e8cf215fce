using Sluice.Media.Rtp;

namespace Sluice.Media.Tests.Rtp;

/// <summary>
/// The VP8 PictureID / TL0PICIDX rewriter a subscription uses across source switches: the receiver sees one
/// continuous series however often, and from whatever numbering, the source changes.
/// </summary>
public sealed class PictureIdRewriterTests
{
    [Fact]
    public void A_single_source_passes_through_unchanged()
    {
        var rewriter = new PictureIdRewriter();
        for (var picture = 1000; picture < 1010; picture++)
        {
            var packet = Descriptor(picture, tl0: (picture / 3) & 0xFF);
            Assert.True(rewriter.Rewrite(MediaCodec.VP8, packet));
            Assert.Equal((picture, (picture / 3) & 0xFF), Read(packet));
        }
    }

    [Fact]
    public void Twenty_switches_between_three_sources_keep_picture_ids_and_tl0picidx_continuous()
    {
        var random = new Random(7741);
        var sources = Enumerable.Range(0, 3).Select(_ => (Picture: random.Next(0x8000), Tl0: random.Next(256))).ToArray();
        var rewriter = new PictureIdRewriter();
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
                    Assert.True(rewriter.Rewrite(MediaCodec.VP8, bytes));
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
        var rewriter = new PictureIdRewriter();
        var wide = Descriptor(0x7FFF, tl0: 255);
        rewriter.Rewrite(MediaCodec.VP8, wide);
        rewriter.Resync();
        var next = Descriptor(12, tl0: 3);
        rewriter.Rewrite(MediaCodec.VP8, next);
        Assert.Equal((0, 0), Read(next));

        var narrow = new PictureIdRewriter();
        byte[] seven = [0x90, 0xC0, 0x7F, 9, 0x00];
        Assert.True(narrow.Rewrite(MediaCodec.VP8, seven));
        narrow.Resync();
        byte[] after = [0x90, 0xC0, 0x05, 1, 0x00];
        Assert.True(narrow.Rewrite(MediaCodec.VP8, after));
        Assert.Equal(0, after[2]);
        Assert.Equal(10, after[3]);
    }

    [Fact]
    public void Malformed_descriptors_are_refused_untouched_and_plain_ones_pass()
    {
        var rewriter = new PictureIdRewriter();
        byte[] truncated = [0x90, 0x80, 0x80];
        Assert.False(rewriter.Rewrite(MediaCodec.VP8, truncated));
        Assert.Equal([0x90, 0x80, 0x80], truncated);
        Assert.False(rewriter.Rewrite(MediaCodec.VP8, []));
        byte[] plain = [0x10, 0x9d, 0x01, 0x2a];
        Assert.True(rewriter.Rewrite(MediaCodec.VP8, plain));
        Assert.Equal([0x10, 0x9d, 0x01, 0x2a], plain);
    }

    [Fact]
    public void Skipped_pictures_leave_no_gap_and_a_retransmission_is_rewritten_as_first_sent()
    {
        // L1T3 from a source at PictureID 0x7FFD (it wraps): TID 0, 2, 1, 2, ...; only TID 0 is forwarded.
        var rewriter = new PictureIdRewriter();
        var sent = new List<(int Picture, int Offsets, byte[] Original)>();
        for (var i = 0; i < 12; i++)
        {
            var picture = (0x7FFD + i) & 0x7FFF;
            var packet = Descriptor(picture, tl0: 7 + (i / 4));
            if (i % 4 != 0)
            {
                rewriter.Skip(MediaCodec.VP8, packet);
                continue;
            }

            var original = packet.ToArray();
            Assert.True(rewriter.Rewrite(MediaCodec.VP8, packet));
            sent.Add((Read(packet).Picture, rewriter.Offsets, original));
            Assert.Equal(7 + (i / 4), Read(packet).Tl0);
        }

        // Consecutive PictureIDs (across the wrap) for the pictures forwarded.
        Assert.Equal([0x7FFD, 0x7FFE, 0x7FFF], sent.Select(s => s.Picture));

        // Much later (more pictures skipped since), a copy of the first one rewritten with its own offsets.
        var copy = sent[0].Original.ToArray();
        Assert.True(PictureIdRewriter.Reapply(MediaCodec.VP8, copy, sent[0].Offsets));
        Assert.Equal((0x7FFD, 7), Read(copy));
        copy = sent[2].Original.ToArray();
        Assert.True(PictureIdRewriter.Reapply(MediaCodec.VP8, copy, sent[2].Offsets));
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
        Assert.Equal(present, RtpTemporalLayer.TryRead(MediaCodec.VP8, payload, out var tid, out var y));
        Assert.Equal((temporalId, layerSync), (tid, y));
    }

    [Fact]
    public void Vp9_pictures_skipped_leave_no_gap_and_keep_their_tl0picidx()
    {
        // Non-flexible VP9 L1T3 (RFC 9628 §4.2): I, L, B, E; 15-bit PictureID; TID/U/SID/D; TL0PICIDX. TID 0, 2, 1, 2.
        static byte[] Vp9(int picture, int tid, bool switchingUp, int tl0) =>
            [0xAC, (byte)(0x80 | (picture >> 8)), (byte)picture, (byte)((tid << 5) | (switchingUp ? 0x10 : 0)), (byte)tl0, 0x82];

        var rewriter = new PictureIdRewriter();
        var forwarded = new List<(int Picture, int Tl0)>();
        int[] pattern = [0, 2, 1, 2];
        for (var i = 0; i < 9; i++)
        {
            var packet = Vp9(500 + i, pattern[i % 4], pattern[i % 4] != 2 || i % 4 == 1, 20 + (i / 4));
            Assert.True(RtpTemporalLayer.TryRead(MediaCodec.VP9, packet, out var tid, out var switchingUp));
            Assert.Equal((pattern[i % 4], pattern[i % 4] != 2 || i % 4 == 1), (tid, switchingUp));
            Assert.True(RtpTemporalLayer.IsPictureStart(MediaCodec.VP9, packet));
            if (tid > 1)
            {
                rewriter.Skip(MediaCodec.VP9, packet);
                continue;
            }

            Assert.True(rewriter.Rewrite(MediaCodec.VP9, packet));
            forwarded.Add((((packet[1] & 0x7F) << 8) | packet[2], packet[4]));
        }

        // TID 0 and 1 of pictures 500..508: 500, 502, 504, 506, 508 forwarded as consecutive PictureIDs.
        Assert.Equal([(500, 20), (501, 20), (502, 21), (503, 21), (504, 22)], forwarded);
    }

    [Theory]
    [InlineData(new byte[] { 0x28, 0x40, 0x00, 0x82 }, true)] // L, B; SID 0: a picture starts
    [InlineData(new byte[] { 0x28, 0x42, 0x00, 0x82 }, false)] // L, B; SID 1: a layer frame, not the picture
    [InlineData(new byte[] { 0x20, 0x40, 0x00, 0x82 }, false)] // L, no B
    [InlineData(new byte[] { 0x08, 0x82 }, true)] // B without layer indices
    public void A_vp9_picture_starts_at_b_on_its_lowest_spatial_layer(byte[] payload, bool start) =>
        Assert.Equal(start, RtpTemporalLayer.IsPictureStart(MediaCodec.VP9, payload));

    /// <summary>X, I (15-bit PictureID), L: a frame start with a payload byte after the descriptor.</summary>
    private static byte[] Descriptor(int picture, int tl0) =>
        [0x90, 0xC0, (byte)(0x80 | (picture >> 8)), (byte)picture, (byte)tl0, 0x9d];

    private static (int Picture, int Tl0) Read(byte[] packet) => (((packet[2] & 0x7F) << 8) | packet[3], packet[4]);
}
