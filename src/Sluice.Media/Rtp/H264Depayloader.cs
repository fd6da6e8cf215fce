using System.Buffers.Binary;
using Sluice.Media.Codecs;

namespace Sluice.Media.Rtp;

/// <summary>
/// H.264 over RTP in packetization-mode 1 (RFC 6184 §6.3): single NAL unit packets, STAP-A and FU-A. Writes the
/// access unit as Annex B with 4-byte start codes. Interleaved-mode packets (STAP-B, MTAP, FU-B) are rejected.
/// </summary>
public sealed class H264Depayloader : RtpDepayloader
{
    public override MediaCodec Codec => MediaCodec.H264;

    public override bool TryDepacketize(IReadOnlyList<ReadOnlyMemory<byte>> payloads, out byte[]? frame)
    {
        frame = null;
        if (payloads is null || payloads.Count == 0)
        {
            return false;
        }

        using var output = new MemoryStream();
        bool inFragment = false;
        for (int i = 0; i < payloads.Count; i++)
        {
            var payload = payloads[i].Span;
            if (payload.IsEmpty)
            {
                return false;
            }

            var type = H264Nal.TypeOf(payload[0]);
            if (inFragment && type != H264NalType.FuA)
            {
                return false;
            }

            switch (type)
            {
                case >= H264NalType.NonIdrSlice and <= (H264NalType)23:
                    output.Write(AnnexB.StartCode);
                    output.Write(payload);
                    break;

                case H264NalType.StapA:
                    if (!TryWriteStapA(payload, output))
                    {
                        return false;
                    }

                    break;

                case H264NalType.FuA:
                    if (payload.Length < 3)
                    {
                        return false;
                    }

                    bool start = (payload[1] & 0x80) != 0;
                    bool end = (payload[1] & 0x40) != 0;
                    if (start == inFragment)
                    {
                        return false;
                    }

                    if (start)
                    {
                        output.Write(AnnexB.StartCode);
                        output.WriteByte((byte)((payload[0] & 0xE0) | (payload[1] & 0x1F)));
                    }

                    output.Write(payload[2..]);
                    inFragment = !end;
                    break;

                default:
                    return false;
            }
        }

        if (inFragment)
        {
            return false;
        }

        frame = output.ToArray();
        return true;
    }

    /// <summary>§5.7.1: after the STAP-A header, NAL units each preceded by a 16-bit size.</summary>
    private static bool TryWriteStapA(ReadOnlySpan<byte> payload, MemoryStream output)
    {
        int offset = 1;
        if (offset >= payload.Length)
        {
            return false;
        }

        while (offset < payload.Length)
        {
            if (offset + 2 > payload.Length)
            {
                return false;
            }

            int size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
            offset += 2;
            if (size == 0 || offset + size > payload.Length)
            {
                return false;
            }

            output.Write(AnnexB.StartCode);
            output.Write(payload.Slice(offset, size));
            offset += size;
        }

        return true;
    }
}
