namespace Sluice.Media.Rtp;

/// <summary>VP8 over RTP (RFC 7741 §4): strips each descriptor and joins the data; the first packet must have S=1, PID=0.</summary>
public sealed class Vp8Depayloader : RtpDepayloader
{
    public override MediaCodec Codec => MediaCodec.VP8;

    public override bool TryDepacketize(IReadOnlyList<ReadOnlyMemory<byte>> payloads, out byte[]? frame)
    {
        frame = null;
        if (payloads is null || payloads.Count == 0)
        {
            return false;
        }

        int total = 0;
        for (int i = 0; i < payloads.Count; i++)
        {
            var payload = payloads[i].Span;
            if (!Vp8PayloadDescriptor.TryGetLength(payload, out int descriptor))
            {
                return false;
            }

            bool start = (payload[0] & Vp8PayloadDescriptor.S) != 0;
            if (i == 0 ? !Vp8PayloadDescriptor.IsFrameStart(payload[0]) : start && (payload[0] & Vp8PayloadDescriptor.PidMask) == 0)
            {
                return false;
            }

            total += payload.Length - descriptor;
        }

        if (total == 0)
        {
            return false;
        }

        frame = new byte[total];
        int offset = 0;
        for (int i = 0; i < payloads.Count; i++)
        {
            var payload = payloads[i].Span;
            Vp8PayloadDescriptor.TryGetLength(payload, out int descriptor);
            payload[descriptor..].CopyTo(frame.AsSpan(offset));
            offset += payload.Length - descriptor;
        }

        return true;
    }
}
