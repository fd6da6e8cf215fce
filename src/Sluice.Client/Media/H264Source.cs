using Sluice.Media;
using Sluice.Media.Containers;

namespace Sluice.Client.Media;

/// <summary>Access units of a raw H264 Annex B stream at a fixed frame rate (the stream carries no timestamps).</summary>
internal sealed class H264Source : IMediaSource
{
    private static readonly byte[] StartCode = [0, 0, 0, 1];

    private readonly Stream _stream;
    private readonly double _fps;
    private H264AnnexBReader _reader;
    private long _index;

    public H264Source(Stream stream, double fps)
    {
        _stream = stream;
        _fps = fps;
        _reader = new H264AnnexBReader(stream, leaveOpen: true);
    }

    public MediaCodec Codec => MediaCodec.H264;

    public int ClockRate => MediaTimestamps.VideoClockRate;

    public bool IsVideo => true;

    public string Description => $"H264 annex-b at {_fps:0.##} fps";

    public bool TryReadFrame(out MediaFrame frame)
    {
        if (!_reader.TryReadAccessUnit(out var nalUnits) || nalUnits is null)
        {
            frame = default;
            return false;
        }

        var timestamp = MediaTimestamps.H264FrameTimestamp(_index, _fps);
        var duration = MediaTimestamps.H264FrameTimestamp(_index + 1, _fps) - timestamp;
        _index++;
        frame = new MediaFrame(timestamp, duration, ToAnnexB(nalUnits));
        return true;
    }

    public void Rewind()
    {
        _reader.Dispose();
        _stream.Position = 0;
        _reader = new H264AnnexBReader(_stream, leaveOpen: true);
        _index = 0;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }

    /// <summary>The payloader takes one access unit as Annex B bytes with 4-byte start codes.</summary>
    internal static byte[] ToAnnexB(IReadOnlyList<byte[]> nalUnits)
    {
        var length = 0;
        foreach (var nal in nalUnits)
        {
            length += StartCode.Length + nal.Length;
        }

        var bytes = new byte[length];
        var at = 0;
        foreach (var nal in nalUnits)
        {
            StartCode.CopyTo(bytes, at);
            nal.CopyTo(bytes, at + StartCode.Length);
            at += StartCode.Length + nal.Length;
        }

        return bytes;
    }
}
