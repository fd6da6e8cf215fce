using Sluice.Media.Codecs;

namespace Sluice.Media.Rtp;

/// <summary>
/// AV1 over RTP (AV1 RTP Payload Format §4–5): joins OBU elements and their fragments, then writes a temporal
/// unit in the low overhead bitstream format — a temporal delimiter first and obu_has_size_field=1 on every OBU —
/// which IVF writers store as is.
/// </summary>
public sealed class Av1Depayloader : RtpDepayloader
{
    /// <summary>A temporal delimiter OBU with an empty payload and a size field.</summary>
    private static ReadOnlySpan<byte> TemporalDelimiter => [0x12, 0x00];

    public override MediaCodec Codec => MediaCodec.AV1;

    public override bool TryDepacketize(IReadOnlyList<ReadOnlyMemory<byte>> payloads, out byte[]? frame)
    {
        frame = null;
        if (payloads is null || payloads.Count == 0 || !TryCollectObus(payloads, out var obus))
        {
            return false;
        }

        using var output = new MemoryStream();
        output.Write(TemporalDelimiter);
        foreach (var bytes in obus)
        {
            if (!Av1Obu.TryRead(bytes, 0, out var obu) || obu.End != bytes.Length)
            {
                return false;
            }

            var type = Av1Obu.TypeOf(bytes[0]);
            if (type is Av1ObuType.TemporalDelimiter or Av1ObuType.TileList)
            {
                continue;
            }

            output.WriteByte((byte)(bytes[0] | Av1Obu.HasSizeField));
            output.Write(bytes, 1, obu.HeaderLength - 1);
            Leb128.Write(output, (uint)obu.PayloadLength);
            output.Write(bytes, obu.PayloadOffset, obu.PayloadLength);
        }

        frame = output.ToArray();
        return true;
    }

    private static bool TryCollectObus(IReadOnlyList<ReadOnlyMemory<byte>> payloads, out List<byte[]> obus)
    {
        obus = [];
        using var partial = new MemoryStream();
        bool open = false;
        foreach (var memory in payloads)
        {
            var payload = memory.Span;
            if (payload.IsEmpty)
            {
                return false;
            }

            byte header = payload[0];
            bool z = (header & Av1AggregationHeader.Z) != 0;
            bool y = (header & Av1AggregationHeader.Y) != 0;
            int w = Av1AggregationHeader.ElementCount(header);
            if (z != open)
            {
                return false;
            }

            int offset = 1;
            int index = 0;
            while (offset < payload.Length)
            {
                int size;
                if (w != 0 && index == w - 1)
                {
                    size = payload.Length - offset;
                }
                else
                {
                    if (!Leb128.TryRead(payload[offset..], out uint length, out int lengthSize))
                    {
                        return false;
                    }

                    offset += lengthSize;
                    if (length == 0 || length > (uint)(payload.Length - offset))
                    {
                        return false;
                    }

                    size = (int)length;
                }

                if (index > 0 || !z)
                {
                    if (open)
                    {
                        obus.Add(partial.ToArray());
                        partial.SetLength(0);
                    }

                    open = true;
                }

                partial.Write(payload.Slice(offset, size));
                offset += size;
                index++;
            }

            if (index == 0 || (w != 0 && index != w))
            {
                return false;
            }

            if (!y)
            {
                obus.Add(partial.ToArray());
                partial.SetLength(0);
                open = false;
            }
        }

        return !open;
    }
}
