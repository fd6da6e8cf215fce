using System.Buffers.Binary;

namespace Sluice.Media.Codecs;

/// <summary>The picture size a keyframe's bitstream starts with, for the codecs that carry it there.</summary>
public static class KeyframeSize
{
    /// <summary>
    /// Reads the size from the start of a keyframe: VP8's key frame header (RFC 6386 §9.1: a 3-byte frame tag with
    /// bit 0 clear, the start code 9D 01 2A, then 14-bit width and height, each with 2 scale bits) or VP9's
    /// uncompressed header (<see cref="Vp9FrameHeader"/>). False for other codecs, interframes and short or
    /// malformed data; never throws, allocates nothing.
    /// </summary>
    public static bool TryRead(MediaCodec codec, ReadOnlySpan<byte> frame, out int width, out int height)
    {
        width = 0;
        height = 0;
        switch (codec)
        {
            case MediaCodec.VP8:
                if (frame.Length < 10 || (frame[0] & 1) != 0 || frame[3] != 0x9D || frame[4] != 0x01 || frame[5] != 0x2A)
                {
                    return false;
                }

                width = BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]) & 0x3FFF;
                height = BinaryPrimitives.ReadUInt16LittleEndian(frame[8..]) & 0x3FFF;
                return width > 0 && height > 0;

            case MediaCodec.VP9:
                return Vp9FrameHeader.TryRead(frame, out var keyframe, out width, out height) && keyframe && width > 0 && height > 0;

            default:
                return false;
        }
    }
}
