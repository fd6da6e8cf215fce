using Sluice.Media;
using Sluice.Media.Rtp;
using Sluice.Rtc.Rtp;

namespace Sluice.Client.Rtp;

/// <summary>
/// Groups in-order video packets into frames: one RTP timestamp, ending at the marker bit (RFC 3551 §4.1; the
/// VP8/VP9/H264/AV1 payload formats all mark a frame's last packet). A frame that spans a gap, or whose first
/// packet is not a frame start, is dropped; the caller then waits for a keyframe. Audio packets are frames of their own.
/// </summary>
internal sealed class FrameAssembler
{
    private readonly MediaCodec _codec;
    private readonly bool _video;
    private readonly Func<MediaCodec, ReadOnlyMemory<byte>, bool> _isFrameStart;
    private readonly Func<MediaCodec, ReadOnlyMemory<byte>, bool> _isKeyframeStart;
    private List<ReadOnlyMemory<byte>> _payloads = [];
    private uint _timestamp;
    private bool _open;
    private bool _broken;

    public FrameAssembler(MediaCodec codec, bool video, Func<MediaCodec, ReadOnlyMemory<byte>, bool>? isFrameStart = null, Func<MediaCodec, ReadOnlyMemory<byte>, bool>? isKeyframeStart = null)
    {
        _codec = codec;
        _video = video;
        _isFrameStart = isFrameStart ?? ((c, p) => RtpKeyframe.IsFrameStart(c, p.Span));
        _isKeyframeStart = isKeyframeStart ?? ((c, p) => RtpKeyframe.IsKeyframeStart(c, p.Span));
    }

    /// <summary>Frames dropped because a packet of theirs was lost.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>Adds the next packet in order; returns a frame when this packet completed one.</summary>
    public AssembledFrame? Push(in ReceivedPacket received)
    {
        if (!RtpPacket.TryParse(received.Packet, out var rtp))
        {
            return null;
        }

        var payload = new ReadOnlyMemory<byte>(received.Packet, rtp.HeaderLength, rtp.Payload.Length);
        if (!_video)
        {
            return payload.IsEmpty ? null : new AssembledFrame(rtp.Timestamp, [payload], Keyframe: true);
        }

        if (!_open || rtp.Timestamp != _timestamp)
        {
            if (_open)
            {
                // The previous frame never saw its marker: its last packet was lost.
                DroppedFrames++;
            }

            _open = true;
            _timestamp = rtp.Timestamp;
            _payloads = [];
            _broken = payload.IsEmpty || !_isFrameStart(_codec, payload);
        }
        else if (received.Discontinuity)
        {
            _broken = true;
        }

        if (!payload.IsEmpty)
        {
            _payloads.Add(payload);
        }

        if (!rtp.Marker)
        {
            return null;
        }

        _open = false;
        if (_broken)
        {
            DroppedFrames++;
            return null;
        }

        return new AssembledFrame(_timestamp, _payloads, _isKeyframeStart(_codec, _payloads[0]));
    }
}
