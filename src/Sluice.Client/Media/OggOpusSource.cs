using Sluice.Media;
using Sluice.Media.Containers;

namespace Sluice.Client.Media;

/// <summary>
/// Opus packets of an Ogg file (RFC 7845), timed by their sample counts at 48 kHz (RFC 7587 §4.1: the RTP clock
/// is always 48 kHz): each packet starts where the previous one's samples end.
/// </summary>
internal sealed class OggOpusSource : IMediaSource
{
    /// <summary>20 ms: the usual frame when a packet's TOC cannot be read.</summary>
    private const int FallbackSamples = 960;

    private readonly Stream _stream;
    private OggOpusReader _reader;
    private long _timestamp;

    public OggOpusSource(Stream stream)
    {
        _stream = stream;
        _reader = new OggOpusReader(stream, leaveOpen: true);
        Head = _reader.Head;
    }

    public OpusHead Head { get; }

    public MediaCodec Codec => MediaCodec.Opus;

    public int ClockRate => MediaTimestamps.OpusClockRate;

    public bool IsVideo => false;

    public string Description => $"Opus {Head.Channels} ch ogg";

    public bool TryReadFrame(out MediaFrame frame)
    {
        if (!_reader.TryReadPacket(out var packet) || packet is null)
        {
            frame = default;
            return false;
        }

        var samples = PacketSamples(packet.Samples48k, packet.Data);
        frame = new MediaFrame(_timestamp, samples, packet.Data);
        _timestamp += samples;
        return true;
    }

    public void Rewind()
    {
        _reader.Dispose();
        _stream.Position = 0;
        _reader = new OggOpusReader(_stream, leaveOpen: true);
        _timestamp = 0;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }

    /// <summary>The reader's count, else the TOC's (RFC 6716 §3.1), else 20 ms.</summary>
    internal static int PacketSamples(int samples48k, byte[] data)
    {
        if (samples48k > 0)
        {
            return samples48k;
        }

        var fromToc = data.Length > 0 ? OpusToc.Samples48k(data) : 0;
        return fromToc > 0 ? fromToc : FallbackSamples;
    }
}
