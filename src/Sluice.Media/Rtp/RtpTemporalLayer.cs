namespace Sluice.Media.Rtp;

/// <summary>
/// The temporal (and VP9's spatial) layer a VP8 or VP9 packet belongs to, from its payload descriptor: what a forwarder
/// needs to drop the upper layers of an encoding for a receiver with less bandwidth. VP8 (RFC 7741 §4.2): TID and Y, present
/// when the T bit is set. VP9 (RFC 9628 §4.2): TID and U (a switching-up point) in the layer indices, present when
/// the L bit is set. Every packet of a picture carries its picture's TID; a picture of layer 0, or one marked as a
/// switching point, is where a receiver can start taking a higher layer.
/// </summary>
public static class RtpTemporalLayer
{
    /// <summary>
    /// All a forwarder needs of the packet's layer, read once: <see cref="TemporalLayerInfo.None"/> without a TID, and
    /// for VP9 outside flexible mode. In flexible mode (Chromium's VP9 SVC) a picture names its references as PictureID
    /// differences, which stay true when pictures between are dropped; in non-flexible mode a receiver infers them from
    /// the group of frames and TL0PICIDX, which a forwarder dropping pictures would have to rewrite.
    /// </summary>
    public static TemporalLayerInfo Read(MediaCodec codec, ReadOnlySpan<byte> payload)
    {
        if (codec != MediaCodec.VP9)
        {
            return TryRead(codec, payload, out var temporalId, out var layerSync) ? new(temporalId, layerSync, IsPictureStart(codec, payload)) : TemporalLayerInfo.None;
        }

        // VP9: the layer indices found once give every field; a picture starts at B on its lowest spatial layer.
        var at = Vp9PayloadDescriptor.LayerIndexOffset(payload);
        if (at < 0 || (payload[0] & Vp9PayloadDescriptor.F) == 0 || !Vp9PayloadDescriptor.TryGetLength(payload, out _))
        {
            return TemporalLayerInfo.None;
        }

        var indices = payload[at];
        var spatialId = (indices >> 1) & 0x07;
        return new(indices >> 5, (indices & 0x10) != 0, (payload[0] & Vp9PayloadDescriptor.B) != 0 && spatialId == 0, spatialId,
            (payload[0] & Vp9PayloadDescriptor.E) != 0);
    }

    /// <summary>
    /// Reads the packet's <paramref name="temporalId"/> and whether its picture is a switching point
    /// (<paramref name="layerSync"/>: VP8's Y, VP9's U); false for another codec, when the descriptor carries no TID,
    /// or when it is malformed (such a packet belongs to no droppable layer).
    /// </summary>
    public static bool TryRead(MediaCodec codec, ReadOnlySpan<byte> payload, out int temporalId, out bool layerSync)
    {
        temporalId = 0;
        layerSync = false;
        switch (codec)
        {
            case MediaCodec.VP8:
                if (!Vp8PayloadDescriptor.TryGetLength(payload, out var length) || (payload[0] & Vp8PayloadDescriptor.X) == 0
                    || (payload[1] & Vp8PayloadDescriptor.T) == 0)
                {
                    return false;
                }

                // The T/K octet is the descriptor's last.
                temporalId = payload[length - 1] >> 6;
                layerSync = (payload[length - 1] & 0x20) != 0;
                return true;
            case MediaCodec.VP9:
                var at = Vp9PayloadDescriptor.LayerIndexOffset(payload);
                if (at < 0 || !Vp9PayloadDescriptor.TryGetLength(payload, out _))
                {
                    return false;
                }

                temporalId = payload[at] >> 5;
                layerSync = (payload[at] & 0x10) != 0;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The packet starts a picture (the only place a forwarder changes which layers it keeps): VP8's S=1 and PID=0,
    /// VP9's B=1 on the lowest spatial layer (SID 0, or no layer indices).
    /// </summary>
    public static bool IsPictureStart(MediaCodec codec, ReadOnlySpan<byte> payload)
    {
        if (codec is not (MediaCodec.VP8 or MediaCodec.VP9) || !RtpKeyframe.IsFrameStart(codec, payload))
        {
            return false;
        }

        var at = codec == MediaCodec.VP9 ? Vp9PayloadDescriptor.LayerIndexOffset(payload) : -1;
        return at < 0 || ((payload[at] >> 1) & 0x07) == 0;
    }
}

/// <summary>
/// A packet's layers as <see cref="RtpTemporalLayer.Read"/> found them: the TID (-1: none, the packet is in no
/// droppable layer), whether its picture is a switching point (VP8's Y, VP9's U), whether it starts a picture, and for
/// VP9 the spatial layer (SID) and whether the packet ends that layer's frame (E: where a forwarder that drops the
/// spatial layers above sets the marker bit, which otherwise ends the whole picture).
/// </summary>
public readonly record struct TemporalLayerInfo(int TemporalId, bool LayerSync, bool PictureStart, int SpatialId = 0, bool EndOfLayerFrame = false)
{
    public static TemporalLayerInfo None => new(-1, false, false);
}
