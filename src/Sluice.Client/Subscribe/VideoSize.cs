using System.Buffers.Binary;
using Sluice.Media;
using Sluice.Media.Codecs;

namespace Sluice.Client.Subscribe;

/// <summary>
/// The picture size for the IVF header, read from a VP8 keyframe (RFC 6386 §9.1) or a VP9 keyframe's
/// uncompressed header (<see cref="Vp9FrameHeader"/>); a default otherwise.
/// </summary>
internal static class VideoSize
{
    public const int DefaultWidth = 640;
    public const int DefaultHeight = 480;

    public static (int Width, int Height) Guess(MediaCodec codec, ReadOnlySpan<byte> keyframe)
    {
        // VP8 key frame: 3-byte frame tag (bit 0 clear), start code 9d 01 2a, then 14-bit width and height.
        if (codec == MediaCodec.VP8 && keyframe.Length >= 10 && (keyframe[0] & 1) == 0
            && keyframe[3] == 0x9d && keyframe[4] == 0x01 && keyframe[5] == 0x2a)
        {
            var width = BinaryPrimitives.ReadUInt16LittleEndian(keyframe[6..]) & 0x3FFF;
            var height = BinaryPrimitives.ReadUInt16LittleEndian(keyframe[8..]) & 0x3FFF;
            if (width > 0 && height > 0)
            {
                return (width, height);
            }
        }

        if (codec == MediaCodec.VP9 && Vp9FrameHeader.TryRead(keyframe, out var isKeyframe, out var vp9Width, out var vp9Height)
            && isKeyframe && vp9Width > 0 && vp9Height > 0)
        {
            return (vp9Width, vp9Height);
        }

        return (DefaultWidth, DefaultHeight);
    }
}
