namespace Sluice.Media.Rtp;

/// <summary>
/// VP8 over RTP (RFC 7741 §4): every packet carries a 4-byte descriptor with a 15-bit PictureID
/// (X=1, I=1, M=1), as libwebrtc sends it; S=1 and PID=0 on the first packet of a frame.
/// </summary>
public sealed class Vp8Payloader : RtpPayloader
{
    /// <summary>X byte, I and M with the 15-bit PictureID.</summary>
    public const int DescriptorLength = 4;

    public Vp8Payloader(int initialPictureId = 0) => PictureId = initialPictureId & 0x7FFF;

    public override MediaCodec Codec => MediaCodec.VP8;

    /// <summary>The PictureID the next frame gets; increments by one per frame and wraps at 15 bits.</summary>
    public int PictureId { get; private set; }

    public override IReadOnlyList<byte[]> Packetize(ReadOnlySpan<byte> frame, int maxPayloadSize = 1200)
    {
        CheckMaxPayloadSize(maxPayloadSize);
        var payloads = new List<byte[]>();
        if (frame.IsEmpty)
        {
            return payloads;
        }

        int chunk = maxPayloadSize - DescriptorLength;
        for (int offset = 0; offset < frame.Length; offset += chunk)
        {
            int length = Math.Min(chunk, frame.Length - offset);
            var payload = new byte[DescriptorLength + length];
            payload[0] = (byte)(Vp8PayloadDescriptor.X | (offset == 0 ? Vp8PayloadDescriptor.S : 0));
            payload[1] = Vp8PayloadDescriptor.I;
            payload[2] = (byte)(Vp8PayloadDescriptor.M | (PictureId >> 8));
            payload[3] = (byte)PictureId;
            frame.Slice(offset, length).CopyTo(payload.AsSpan(DescriptorLength));
            payloads.Add(payload);
        }

        PictureId = (PictureId + 1) & 0x7FFF;
        return payloads;
    }
}
