using System.Buffers.Binary;
using Sluice.Media.Codecs;

namespace Sluice.Media.Rtp;

/// <summary>
/// VP9 over RTP (RFC 9628 §4) in non-flexible mode without layer indices: every packet carries I=1 with a
/// 15-bit picture id, B on the first and E on the last packet of a frame, and P=1 unless the frame is a keyframe.
/// A keyframe's first packet also carries a scalability structure (V=1, §4.2.1) with one spatial layer and its size.
/// </summary>
public sealed class Vp9Payloader : RtpPayloader
{
    /// <summary>Descriptor length on packets without a scalability structure (flags, 15-bit picture id).</summary>
    public const int DescriptorLength = 3;

    /// <summary>Length of the scalability structure with one spatial layer and its resolution.</summary>
    public const int ScalabilityStructureLength = 5;

    public Vp9Payloader(int initialPictureId = 0) => PictureId = initialPictureId & 0x7FFF;

    public override MediaCodec Codec => MediaCodec.VP9;

    /// <summary>The picture id the next frame gets; increments by one per frame and wraps at 15 bits.</summary>
    public int PictureId { get; private set; }

    public override IReadOnlyList<byte[]> Packetize(ReadOnlySpan<byte> frame, int maxPayloadSize = 1200)
    {
        CheckMaxPayloadSize(maxPayloadSize);
        var payloads = new List<byte[]>();
        if (frame.IsEmpty)
        {
            return payloads;
        }

        Vp9FrameHeader.TryRead(frame, out bool isKeyframe, out int width, out int height);
        int offset = 0;
        while (offset < frame.Length)
        {
            bool first = offset == 0;
            bool withSs = first && isKeyframe;
            int header = DescriptorLength + (withSs ? ScalabilityStructureLength : 0);
            int length = Math.Min(maxPayloadSize - header, frame.Length - offset);
            bool last = offset + length == frame.Length;

            var payload = new byte[header + length];
            payload[0] = (byte)(Vp9PayloadDescriptor.I
                | (isKeyframe ? 0 : Vp9PayloadDescriptor.P)
                | (first ? Vp9PayloadDescriptor.B : 0)
                | (last ? Vp9PayloadDescriptor.E : 0)
                | (withSs ? Vp9PayloadDescriptor.V : 0));
            payload[1] = (byte)(Vp9PayloadDescriptor.M | (PictureId >> 8));
            payload[2] = (byte)PictureId;
            if (withSs)
            {
                payload[3] = 0x10; // N_S = 0 (one spatial layer), Y = 1, G = 0
                BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(4), (ushort)width);
                BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6), (ushort)height);
            }

            frame.Slice(offset, length).CopyTo(payload.AsSpan(header));
            payloads.Add(payload);
            offset += length;
        }

        PictureId = (PictureId + 1) & 0x7FFF;
        return payloads;
    }
}
