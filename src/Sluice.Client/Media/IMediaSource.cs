using Sluice.Media;

namespace Sluice.Client.Media;

/// <summary>Frames of one media file, timed on the codec's RTP clock (90 kHz video, 48 kHz Opus).</summary>
internal interface IMediaSource : IDisposable
{
    MediaCodec Codec { get; }

    /// <summary>The RTP clock rate of <see cref="Timestamp"/> values (RFC 3551 §4.1).</summary>
    int ClockRate { get; }

    bool IsVideo { get; }

    /// <summary>A short description for the console, e.g. <c>VP8 640x480 ivf</c>.</summary>
    string Description { get; }

    /// <summary>The next frame; false at the end of the file.</summary>
    bool TryReadFrame(out MediaFrame frame);

    /// <summary>Starts over from the first frame, whose timestamp is 0 again.</summary>
    void Rewind();
}
