using Sluice.Media;

namespace Sluice.Client.Subscribe;

/// <summary>
/// Receives the depacketized frames of a <see cref="WhepSubscriber"/>, in order. Video starts at the first keyframe;
/// after a lost frame it resumes at the next keyframe. Called with the subscriber's lock held: return quickly.
/// </summary>
internal interface IWhepSink
{
    /// <param name="frame">A VP8/VP9 frame, an AV1 temporal unit (low-overhead format) or an H264 access unit (Annex B).</param>
    /// <param name="rtpTimestamp">The frame's RTP timestamp (90 kHz, wraps).</param>
    void OnVideoFrame(MediaCodec codec, byte[] frame, uint rtpTimestamp, bool keyframe);

    /// <param name="frame">One Opus packet.</param>
    void OnAudioFrame(MediaCodec codec, byte[] frame, uint rtpTimestamp);
}
