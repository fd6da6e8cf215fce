namespace Sluice.Media.Rtp;

/// <summary>
/// Keeps the VP8 PictureID and TL0PICIDX (RFC 7741 §4.2) one continuous series for a receiver whose source changes
/// (another publisher, an encoder restart, a simulcast layer switch): after <see cref="Resync"/>, the next picture
/// continues where the last one sent left off, and every later one keeps the same offset. Rewrites in place, in the
/// width the packet has (7 or 15 bits); allocates nothing. One instance per receiver stream, on one thread.
/// </summary>
public struct Vp8PictureRewriter
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

    /// <summary>Rewrites the descriptor at the start of <paramref name="payload"/>; false (and nothing changed) when it is malformed.</summary>
    public bool Rewrite(Span<byte> payload)
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
            var wide = (payload[offset] & Vp8PayloadDescriptor.M) != 0;
            var mask = wide ? 0x7FFF : 0x7F;
            var picture = wide ? ((payload[offset] & 0x7F) << 8) | payload[offset + 1] : payload[offset] & 0x7F;
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

            if (wide)
            {
                payload[offset] = (byte)(Vp8PayloadDescriptor.M | (rewritten >> 8));
                payload[offset + 1] = (byte)rewritten;
                offset += 2;
            }
            else
            {
                payload[offset] = (byte)rewritten;
                offset++;
            }
        }

        if ((extension & Vp8PayloadDescriptor.L) != 0)
        {
            var tl0 = payload[offset];
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

            payload[offset] = (byte)rewritten;
        }

        return true;
    }

    /// <summary>Serial-number order in a <paramref name="mask"/>+1 space (RFC 1982): a is after b.</summary>
    private static bool Newer(int a, int b, int mask)
    {
        var half = (mask + 1) / 2;
        var difference = (a - b) & mask;
        return difference != 0 && difference < half;
    }
}
