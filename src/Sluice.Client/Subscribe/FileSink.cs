using Sluice.Media;
using Sluice.Media.Containers;

namespace Sluice.Client.Subscribe;

/// <summary>
/// Writes received frames to files: video to IVF (fourcc from the codec, timebase 1/90000, timestamps relative to
/// the first frame) or, for H264 into a <c>.h264</c> path, raw Annex B; audio to Ogg/Opus (RFC 7845).
/// A write error stops that file and is reported by <see cref="Error"/>, not thrown into the receive path.
/// </summary>
internal sealed class FileSink : IWhepSink, IDisposable
{
    private readonly string? _videoPath;
    private readonly string? _audioPath;
    private Stream? _videoStream;
    private IvfWriter? _ivf;
    private Stream? _audioStream;
    private OggOpusWriter? _ogg;
    private bool _videoStarted;
    private uint _lastVideoTimestamp;
    private long _videoTime;

    public FileSink(string? videoPath, string? audioPath)
    {
        _videoPath = videoPath;
        _audioPath = audioPath;
    }

    public long VideoFramesWritten { get; private set; }

    public long AudioFramesWritten { get; private set; }

    public string? Error { get; private set; }

    /// <summary>True when <paramref name="path"/> asks for raw H264 rather than IVF.</summary>
    public static bool IsAnnexBPath(string path) =>
        path.EndsWith(".h264", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".264", StringComparison.OrdinalIgnoreCase);

    public void OnVideoFrame(MediaCodec codec, byte[] frame, uint rtpTimestamp, bool keyframe)
    {
        if (_videoPath is null || (Error is not null && _videoStream is null))
        {
            return;
        }

        try
        {
            if (!_videoStarted)
            {
                _videoStarted = true;
                _lastVideoTimestamp = rtpTimestamp;
                _videoStream = File.Create(_videoPath);
                if (!(codec == MediaCodec.H264 && IsAnnexBPath(_videoPath)))
                {
                    var (width, height) = VideoSize.Guess(codec, frame);
                    _ivf = new IvfWriter(_videoStream, codec, width, height);
                }
            }

            // The 32-bit RTP clock wraps after 13 hours at 90 kHz: accumulate signed deltas instead.
            _videoTime += Math.Max(0, (int)(rtpTimestamp - _lastVideoTimestamp));
            _lastVideoTimestamp = rtpTimestamp;
            if (_ivf is not null)
            {
                _ivf.WriteFrame(frame, _videoTime);
            }
            else
            {
                _videoStream!.Write(frame);
            }

            VideoFramesWritten++;
        }
        catch (IOException e)
        {
            Error = $"writing '{_videoPath}': {e.Message}";
            CloseVideo();
        }
    }

    public void OnAudioFrame(MediaCodec codec, byte[] frame, uint rtpTimestamp)
    {
        if (_audioPath is null || codec != MediaCodec.Opus || (Error is not null && _audioStream is null))
        {
            return;
        }

        try
        {
            if (_ogg is null)
            {
                _audioStream = File.Create(_audioPath);
                _ogg = new OggOpusWriter(_audioStream);
            }

            _ogg.WritePacket(frame);
            AudioFramesWritten++;
        }
        catch (IOException e)
        {
            Error = $"writing '{_audioPath}': {e.Message}";
            CloseAudio();
        }
    }

    public void Dispose()
    {
        CloseVideo();
        CloseAudio();
    }

    private void CloseVideo()
    {
        _ivf?.Dispose();
        _ivf = null;
        _videoStream?.Dispose();
        _videoStream = null;
    }

    private void CloseAudio()
    {
        _ogg?.Dispose();
        _ogg = null;
        _audioStream?.Dispose();
        _audioStream = null;
    }
}
