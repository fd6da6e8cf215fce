using System.Buffers.Binary;
using Sluice.Media.Codecs;

namespace Sluice.Media.Rtp;

/// <summary>Zero-allocation, never-throwing inspection of one RTP payload, for the SFU's forwarding path.</summary>
public static class RtpKeyframe
{
    /// <summary>True if this packet starts a keyframe (the SFU starts a new subscriber at such a packet and stops asking for keyframes).</summary>
    /// <remarks>
    /// VP8 (RFC 7741 §4.3): S=1, PID=0 and the P bit of the VP8 payload header is 0.
    /// VP9 (RFC 9628 §4.2): B=1, P=0 and, with layer indices, spatial id 0.
    /// H.264 (RFC 6184): an IDR slice or SPS as a single NAL unit, a STAP-A holding either, or an FU-A start of an IDR slice.
    /// AV1 (AV1 RTP Payload Format §4.4): Z=0 and N=1. Audio: every packet.
    /// </remarks>
    public static bool IsKeyframeStart(MediaCodec codec, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        switch (codec)
        {
            case MediaCodec.VP8:
                return Vp8PayloadDescriptor.IsFrameStart(payload[0])
                    && Vp8PayloadDescriptor.TryGetLength(payload, out int descriptor)
                    && descriptor < payload.Length
                    && (payload[descriptor] & 0x01) == 0;

            case MediaCodec.VP9:
                if ((payload[0] & (Vp9PayloadDescriptor.B | Vp9PayloadDescriptor.P)) != Vp9PayloadDescriptor.B)
                {
                    return false;
                }

                if ((payload[0] & Vp9PayloadDescriptor.L) == 0)
                {
                    return true;
                }

                int layer = Vp9PayloadDescriptor.LayerIndexOffset(payload);
                return layer >= 0 && ((payload[layer] >> 1) & 0x07) == 0;

            case MediaCodec.H264:
                return IsH264KeyframeStart(payload);

            case MediaCodec.AV1:
                return (payload[0] & (Av1AggregationHeader.Z | Av1AggregationHeader.N)) == Av1AggregationHeader.N;

            default:
                return !MediaCodecs.IsVideo(codec);
        }
    }

    /// <summary>
    /// The picture size a keyframe's first packet carries at the start of its frame (<see cref="KeyframeSize"/>:
    /// VP8 and VP9); false for other codecs and for packets that do not hold it.
    /// </summary>
    public static bool TryGetKeyframeSize(MediaCodec codec, ReadOnlySpan<byte> payload, out int width, out int height)
    {
        width = 0;
        height = 0;
        var descriptor = 0;
        var known = codec switch
        {
            MediaCodec.VP8 => Vp8PayloadDescriptor.TryGetLength(payload, out descriptor),
            MediaCodec.VP9 => Vp9PayloadDescriptor.TryGetLength(payload, out descriptor),
            _ => false,
        };
        return known && descriptor < payload.Length && KeyframeSize.TryRead(codec, payload[descriptor..], out width, out height);
    }

    /// <summary>True if this packet is the first packet of a frame (VP8 S=1 && PID=0; VP9 B=1; H264 single NAL / STAP-A / FU-A with S=1; AV1 Z=0; audio: always).</summary>
    public static bool IsFrameStart(MediaCodec codec, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        switch (codec)
        {
            case MediaCodec.VP8:
                return Vp8PayloadDescriptor.IsFrameStart(payload[0]);

            case MediaCodec.VP9:
                return (payload[0] & Vp9PayloadDescriptor.B) != 0;

            case MediaCodec.H264:
                var type = H264Nal.TypeOf(payload[0]);
                return type switch
                {
                    >= H264NalType.NonIdrSlice and <= (H264NalType)23 => true,
                    H264NalType.StapA => true,
                    H264NalType.FuA => payload.Length >= 2 && (payload[1] & 0x80) != 0,
                    _ => false,
                };

            case MediaCodec.AV1:
                return (payload[0] & Av1AggregationHeader.Z) == 0;

            default:
                return !MediaCodecs.IsVideo(codec);
        }
    }

    private static bool IsH264KeyframeStart(ReadOnlySpan<byte> payload)
    {
        var type = H264Nal.TypeOf(payload[0]);
        switch (type)
        {
            case H264NalType.IdrSlice:
            case H264NalType.Sps:
                return true;

            case H264NalType.StapA:
                for (int offset = 1; offset + 2 < payload.Length;)
                {
                    int size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
                    offset += 2;
                    if (size == 0 || size > payload.Length - offset)
                    {
                        return false;
                    }

                    if (H264Nal.TypeOf(payload[offset]) is H264NalType.IdrSlice or H264NalType.Sps)
                    {
                        return true;
                    }

                    offset += size;
                }

                return false;

            case H264NalType.FuA:
                return payload.Length >= 2 && (payload[1] & 0x80) != 0 && H264Nal.TypeOf(payload[1]) == H264NalType.IdrSlice;

            default:
                return false;
        }
    }
}
