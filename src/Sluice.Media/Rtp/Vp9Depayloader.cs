namespace Sluice.Media.Rtp;

/// <summary>VP9 over RTP (RFC 9628 §4): strips each descriptor and joins the data; B=1 on the first and E=1 on the last packet.</summary>
public sealed class Vp9Depayloader : RtpDepayloader
{
    public override MediaCodec Codec => MediaCodec.VP9;

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
            if (!Vp9PayloadDescriptor.TryGetLength(payload, out int descriptor))
            {
                return false;
            }

            bool begin = (payload[0] & Vp9PayloadDescriptor.B) != 0;
            bool end = (payload[0] & Vp9PayloadDescriptor.E) != 0;
            if (begin != (i == 0) || end != (i == payloads.Count - 1))
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
            Vp9PayloadDescriptor.TryGetLength(payload, out int descriptor);
            payload[descriptor..].CopyTo(frame.AsSpan(offset));
            offset += payload.Length - descriptor;
        }

        return true;
    }
}
