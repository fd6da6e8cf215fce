namespace Sluice.Media.Codecs;

/// <summary>
/// The start of the VP9 uncompressed frame header (VP9 Bitstream Specification v0.6 §6.2): enough to tell a
/// keyframe and read its frame size.
/// </summary>
public static class Vp9FrameHeader
{
    private const int ColorSpaceRgb = 7;

    /// <summary>Reads whether the (first) frame is a keyframe, and if so its size. False for a malformed header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out bool isKeyframe, out int width, out int height)
    {
        isKeyframe = false;
        width = 0;
        height = 0;
        var bits = new BitReader(frame);
        if (!bits.TryRead(2, out uint marker) || marker != 2
            || !bits.TryRead(1, out uint profileLow) || !bits.TryRead(1, out uint profileHigh))
        {
            return false;
        }

        uint profile = (profileHigh << 1) | profileLow;
        if ((profile == 3 && !bits.TryRead(1, out _)) || !bits.TryRead(1, out uint showExisting))
        {
            return false;
        }

        if (showExisting == 1)
        {
            return true;
        }

        if (!bits.TryRead(1, out uint frameType) || !bits.TryRead(2, out _))
        {
            return false;
        }

        if (frameType != 0)
        {
            return true;
        }

        if (!bits.TryRead(24, out uint sync) || sync != 0x498342)
        {
            return false;
        }

        if (profile >= 2 && !bits.TryRead(1, out _))
        {
            return false;
        }

        if (!bits.TryRead(3, out uint colorSpace))
        {
            return false;
        }

        int colorBits = colorSpace != ColorSpaceRgb ? (profile is 1 or 3 ? 4 : 1) : (profile is 1 or 3 ? 1 : 0);
        if ((colorBits > 0 && !bits.TryRead(colorBits, out _))
            || !bits.TryRead(16, out uint widthMinus1) || !bits.TryRead(16, out uint heightMinus1))
        {
            return false;
        }

        isKeyframe = true;
        width = (int)widthMinus1 + 1;
        height = (int)heightMinus1 + 1;
        return true;
    }
}
