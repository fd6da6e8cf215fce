using Sluice.Media;

namespace Sluice.Client.Media;

/// <summary>
/// Plays a source over and over (<c>--loop</c>): each pass is shifted by the length of the previous ones (last
/// frame's timestamp plus its duration), so timestamps keep increasing seamlessly across the restart.
/// </summary>
internal sealed class LoopingSource(IMediaSource inner) : IMediaSource
{
    private long _offset;
    private long _passEnd;
    private bool _framesThisPass;

    public MediaCodec Codec => inner.Codec;

    public int ClockRate => inner.ClockRate;

    public bool IsVideo => inner.IsVideo;

    public string Description => inner.Description + ", looped";

    /// <summary>Completed passes.</summary>
    public int Loops { get; private set; }

    public bool TryReadFrame(out MediaFrame frame)
    {
        if (!inner.TryReadFrame(out frame))
        {
            if (!_framesThisPass)
            {
                // An empty file would loop forever without producing anything.
                return false;
            }

            inner.Rewind();
            _offset += _passEnd;
            _passEnd = 0;
            _framesThisPass = false;
            Loops++;
            if (!inner.TryReadFrame(out frame))
            {
                return false;
            }
        }

        _framesThisPass = true;
        _passEnd = Math.Max(_passEnd, frame.Timestamp + frame.Duration);
        frame = frame with { Timestamp = frame.Timestamp + _offset };
        return true;
    }

    public void Rewind()
    {
        inner.Rewind();
        _offset = 0;
        _passEnd = 0;
        _framesThisPass = false;
    }

    public void Dispose() => inner.Dispose();
}
