using Sluice.Media;
using Sluice.Media.Containers;

namespace Sluice.Client.Media;

/// <summary>VP8, VP9 or AV1 (or H264) frames of an IVF file, retimed from the file's timebase to 90 kHz.</summary>
internal sealed class IvfSource : IMediaSource
{
    private readonly Stream _stream;
    private IvfReader _reader;
    private IvfFrame? _pending;
    private long _first = -1;
    private long _lastDuration;

    public IvfSource(Stream stream)
    {
        _stream = stream;
        _reader = new IvfReader(stream, leaveOpen: true);
        Header = _reader.Header;
        Codec = _reader.Codec;
        _lastDuration = MediaTimestamps.VideoClockRate / 30;
    }

    public IvfHeader Header { get; }

    public MediaCodec Codec { get; }

    public int ClockRate => MediaTimestamps.VideoClockRate;

    public bool IsVideo => true;

    public string Description => $"{Codec} {Header.Width}x{Header.Height} ivf ({Header.FrameCount} frames)";

    public bool TryReadFrame(out MediaFrame frame)
    {
        var current = _pending;
        if (current is null && !_reader.TryReadFrame(out current))
        {
            frame = default;
            return false;
        }

        _pending = _reader.TryReadFrame(out var next) ? next : null;
        if (_first < 0)
        {
            _first = current!.Timestamp;
        }

        var timestamp = ToRtp(current!.Timestamp);
        if (_pending is not null)
        {
            var duration = ToRtp(_pending.Timestamp) - timestamp;
            if (duration > 0)
            {
                _lastDuration = duration;
            }
        }

        frame = new MediaFrame(timestamp, _lastDuration, current.Data);
        return true;
    }

    public void Rewind()
    {
        _reader.Dispose();
        _stream.Position = 0;
        _reader = new IvfReader(_stream, leaveOpen: true);
        _pending = null;
        _first = -1;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }

    private long ToRtp(long ivfTimestamp) => MediaTimestamps.IvfToRtp(ivfTimestamp - _first, Header.TimebaseNumerator, Header.TimebaseDenominator);
}
