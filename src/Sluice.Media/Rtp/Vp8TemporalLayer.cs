namespace Sluice.Media.Rtp;

/// <summary>
/// The temporal layer a VP8 packet belongs to, from its payload descriptor (RFC 7741 §4.2: TID and Y, present when
/// the T bit is set): what a forwarder needs to drop the upper temporal layers of an encoding for a receiver with
/// less bandwidth. Every packet of a frame carries its frame's TID; a frame of layer 0 or with Y set is a point
/// where a receiver can start taking a higher layer.
/// </summary>
public static class Vp8TemporalLayer
{
    /// <summary>
    /// Reads the packet's <paramref name="temporalId"/> and <paramref name="layerSync"/> (Y); false when the
    /// descriptor carries no TID or is malformed (such a packet belongs to no droppable layer).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int temporalId, out bool layerSync)
    {
        temporalId = 0;
        layerSync = false;
        if (!Vp8PayloadDescriptor.TryGetLength(payload, out var length) || (payload[0] & Vp8PayloadDescriptor.X) == 0)
        {
            return false;
        }

        var extension = payload[1];
        if ((extension & Vp8PayloadDescriptor.T) == 0)
        {
            return false;
        }

        // The T/K octet is the descriptor's last.
        var tk = payload[length - 1];
        temporalId = tk >> 6;
        layerSync = (tk & 0x20) != 0;
        return true;
    }

    /// <summary>S=1 and PID=0: the packet starts a frame (the only place a forwarder changes which layers it keeps).</summary>
    public static bool IsFrameStart(ReadOnlySpan<byte> payload) => !payload.IsEmpty && Vp8PayloadDescriptor.IsFrameStart(payload[0]);
}
