namespace Sluice.Media.Rtp;

/// <summary>
/// Keeps the PictureID and TL0PICIDX of VP8 (RFC 7741 §4.2) and VP9 (RFC 9628 §4.2, TL0PICIDX in non-flexible
/// mode) one continuous series for a receiver whose source changes (another publisher, an encoder restart, a
/// simulcast layer switch) or whose upper temporal layers are dropped: after <see cref="Resync"/>, the next picture
/// continues where the last one sent left off, every later one keeps the same offset, and a <see cref="Skip"/>ped
/// picture leaves no gap. Rewrites in place, in the width the packet has (7 or 15 bits); allocates nothing. One
/// instance per receiver stream, on one thread; other codecs pass untouched.
/// </summary>
public struct PictureIdRewriter
{
    private int _pictureOffset;
    private int _tl0Offset;
    private int _lastPicture;
    private int _lastTl0;
    private bool _hasPicture;
    private bool _hasTl0;
    private bool _resyncPicture;
    private bool _resyncTl0;

    /// <summary>The next packet starts a new source: its numbering is joined to what was sent so far.</summary>
    public void Resync()
    {
        _resyncPicture = true;
        _resyncTl0 = true;
    }

    /// <summary>
    /// The picture starting with <paramref name="payload"/> is not forwarded (an upper temporal layer the receiver
    /// does not get): the pictures after it close the gap, so the receiver's PictureIDs stay consecutive. Call once,
    /// on the picture's first packet.
    /// </summary>
    public void Skip(MediaCodec codec, ReadOnlySpan<byte> payload)
    {
        if (TryLocate(codec, payload, out var pictureAt, out _, out _) && pictureAt > 0 && _hasPicture && !_resyncPicture)
        {
            _pictureOffset--;
        }
    }

    /// <summary>
    /// The offsets the last <see cref="Rewrite"/> applied, packed (PictureID in the low 15 bits, TL0PICIDX in the 8
    /// above): what <see cref="Reapply"/> needs to rewrite a copy of that packet the same way later (a retransmission),
    /// whatever pictures were skipped since.
    /// </summary>
    public readonly int Offsets => (_pictureOffset & 0x7FFF) | ((_tl0Offset & 0xFF) << 15);

    /// <summary>Rewrites the descriptor at the start of <paramref name="payload"/>; false (and nothing changed) when it is malformed.</summary>
    public bool Rewrite(MediaCodec codec, Span<byte> payload)
    {
        if (!TryLocate(codec, payload, out var pictureAt, out var wide, out var tl0At))
        {
            return false;
        }

        if (pictureAt > 0)
        {
            var mask = wide ? 0x7FFF : 0x7F;
            var picture = Picture(payload, pictureAt, wide);
            if (_resyncPicture || !_hasPicture)
            {
                _pictureOffset = _hasPicture ? _lastPicture + 1 - picture : 0;
                _resyncPicture = false;
            }

            var rewritten = (picture + _pictureOffset) & mask;
            if (!_hasPicture || Newer(rewritten, _lastPicture, mask))
            {
                _lastPicture = rewritten;
                _hasPicture = true;
            }

            WritePicture(payload, pictureAt, wide, rewritten);
        }

        if (tl0At > 0)
        {
            var tl0 = payload[tl0At];
            if (_resyncTl0 || !_hasTl0)
            {
                _tl0Offset = _hasTl0 ? _lastTl0 + 1 - tl0 : 0;
                _resyncTl0 = false;
            }

            var rewritten = (tl0 + _tl0Offset) & 0xFF;
            if (!_hasTl0 || Newer(rewritten, _lastTl0, 0xFF))
            {
                _lastTl0 = rewritten;
                _hasTl0 = true;
            }

            payload[tl0At] = (byte)rewritten;
        }

        return true;
    }

    /// <summary>Rewrites <paramref name="payload"/> with <paramref name="offsets"/> a <see cref="Rewrite"/> applied before (<see cref="Offsets"/>).</summary>
    public static bool Reapply(MediaCodec codec, Span<byte> payload, int offsets)
    {
        if (!TryLocate(codec, payload, out var pictureAt, out var wide, out var tl0At))
        {
            return false;
        }

        if (pictureAt > 0)
        {
            WritePicture(payload, pictureAt, wide, (Picture(payload, pictureAt, wide) + offsets) & (wide ? 0x7FFF : 0x7F));
        }

        if (tl0At > 0)
        {
            payload[tl0At] = (byte)(payload[tl0At] + (offsets >> 15));
        }

        return true;
    }

    // Where the PictureID and TL0PICIDX are (0: absent); false for a malformed descriptor.
    private static bool TryLocate(MediaCodec codec, ReadOnlySpan<byte> payload, out int pictureAt, out bool wide, out int tl0At)
    {
        pictureAt = tl0At = 0;
        wide = false;
        switch (codec)
        {
            case MediaCodec.VP8:
                return TryLocateVp8(payload, ref pictureAt, ref wide, ref tl0At);
            case MediaCodec.VP9:
                return TryLocateVp9(payload, ref pictureAt, ref wide, ref tl0At);
            default:
                return true;
        }
    }

    private static bool TryLocateVp9(ReadOnlySpan<byte> payload, ref int pictureAt, ref bool wide, ref int tl0At)
    {
        if (!Vp9PayloadDescriptor.TryGetLength(payload, out _))
        {
            return false;
        }

        var first = payload[0];
        if ((first & Vp9PayloadDescriptor.I) != 0)
        {
            pictureAt = 1;
            wide = (payload[1] & Vp9PayloadDescriptor.M) != 0;
        }

        var layer = Vp9PayloadDescriptor.LayerIndexOffset(payload);
        if (layer > 0 && (first & Vp9PayloadDescriptor.F) == 0)
        {
            tl0At = layer + 1;
        }

        return true;
    }

    private static bool TryLocateVp8(ReadOnlySpan<byte> payload, ref int pictureAt, ref bool wide, ref int tl0At)
    {
        if (!Vp8PayloadDescriptor.TryGetLength(payload, out _))
        {
            return false;
        }

        if ((payload[0] & Vp8PayloadDescriptor.X) == 0)
        {
            return true;
        }

        var extension = payload[1];
        var offset = 2;
        if ((extension & Vp8PayloadDescriptor.I) != 0)
        {
            pictureAt = offset;
            wide = (payload[offset] & Vp8PayloadDescriptor.M) != 0;
            offset += wide ? 2 : 1;
        }

        if ((extension & Vp8PayloadDescriptor.L) != 0)
        {
            tl0At = offset;
        }

        return true;
    }

    private static int Picture(ReadOnlySpan<byte> payload, int at, bool wide) =>
        wide ? ((payload[at] & 0x7F) << 8) | payload[at + 1] : payload[at] & 0x7F;

    private static void WritePicture(Span<byte> payload, int at, bool wide, int picture)
    {
        if (wide)
        {
            payload[at] = (byte)(0x80 | (picture >> 8)); // M: 15 bits (the same bit in VP8 and VP9)
            payload[at + 1] = (byte)picture;
        }
        else
        {
            payload[at] = (byte)picture;
        }
    }

    /// <summary>Serial-number order in a <paramref name="mask"/>+1 space (RFC 1982): a is after b.</summary>
    private static bool Newer(int a, int b, int mask)
    {
        var half = (mask + 1) / 2;
        var difference = (a - b) & mask;
        return difference != 0 && difference < half;
    }
}
