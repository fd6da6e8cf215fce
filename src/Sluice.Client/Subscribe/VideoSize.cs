using Sluice.Media;
using Sluice.Media.Codecs;

namespace Sluice.Client.Subscribe;

/// <summary>
/// The picture size for the IVF header, read from a VP8 or VP9 keyframe (<see cref="KeyframeSize"/>); a default otherwise.
/// </summary>
internal static class VideoSize
{
    public const int DefaultWidth = 640;
    public const int DefaultHeight = 480;

    public static (int Width, int Height) Guess(MediaCodec codec, ReadOnlySpan<byte> keyframe) =>
        KeyframeSize.TryRead(codec, keyframe, out var width, out var height) ? (width, height) : (DefaultWidth, DefaultHeight);
}
