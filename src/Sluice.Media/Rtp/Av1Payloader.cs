using Sluice.Media.Codecs;

namespace Sluice.Media.Rtp;

/// <summary>
/// AV1 over RTP (AV1 RTP Payload Format §4–5). The frame is one temporal unit in the low overhead bitstream
/// format (OBUs with size fields, as IVF stores it). Temporal delimiters and tile lists are dropped (§5), the
/// remaining OBUs are sent without obu_size (obu_has_size_field=0) as OBU elements with LEB128 lengths (W=0),
/// fragmented across packets with Z/Y where needed; N=1 on the first packet when the unit holds a sequence header.
/// </summary>
public sealed class Av1Payloader : RtpPayloader
{
    public override MediaCodec Codec => MediaCodec.AV1;

    /// <exception cref="InvalidDataException">The temporal unit is not a sequence of well-formed OBUs.</exception>
    public override IReadOnlyList<byte[]> Packetize(ReadOnlySpan<byte> frame, int maxPayloadSize = 1200)
    {
        CheckMaxPayloadSize(maxPayloadSize);
        var elements = new List<byte[]>();
        bool newSequence = false;
        for (int offset = 0; offset < frame.Length;)
        {
            if (!Av1Obu.TryRead(frame, offset, out var obu))
            {
                throw new InvalidDataException($"Malformed AV1 temporal unit: bad OBU at byte {offset} of {frame.Length}.");
            }

            offset = obu.End;
            var type = Av1Obu.TypeOf(frame[obu.Offset]);
            if (type is Av1ObuType.TemporalDelimiter or Av1ObuType.TileList)
            {
                continue;
            }

            newSequence |= type == Av1ObuType.SequenceHeader;
            var element = new byte[obu.HeaderLength + obu.PayloadLength];
            frame.Slice(obu.Offset, obu.HeaderLength).CopyTo(element);
            element[0] &= unchecked((byte)~Av1Obu.HasSizeField);
            frame.Slice(obu.PayloadOffset, obu.PayloadLength).CopyTo(element.AsSpan(obu.HeaderLength));
            elements.Add(element);
        }

        return Pack(elements, maxPayloadSize, newSequence);
    }

    private static List<byte[]> Pack(List<byte[]> elements, int maxPayloadSize, bool newSequence)
    {
        var payloads = new List<byte[]>();
        var packet = new byte[maxPayloadSize];
        int used = 1;
        bool continuation = false;

        void Finish(bool continues)
        {
            packet[0] = (byte)((continuation ? Av1AggregationHeader.Z : 0)
                | (continues ? Av1AggregationHeader.Y : 0)
                | (newSequence && payloads.Count == 0 ? Av1AggregationHeader.N : 0));
            payloads.Add(packet.AsSpan(0, used).ToArray());
            used = 1;
            continuation = continues;
        }

        foreach (var element in elements)
        {
            int position = 0;
            while (position < element.Length)
            {
                int remaining = maxPayloadSize - used;
                uint left = (uint)(element.Length - position);
                if (Leb128.SizeOf(left) + left <= remaining)
                {
                    used += Leb128.Write(packet.AsSpan(used), left);
                    element.AsSpan(position).CopyTo(packet.AsSpan(used));
                    used += (int)left;
                    position = element.Length;
                    continue;
                }

                if (remaining < 2)
                {
                    Finish(continues: false);
                    continue;
                }

                uint fragment = (uint)remaining - 1;
                while (fragment + Leb128.SizeOf(fragment) > remaining)
                {
                    fragment--;
                }

                used += Leb128.Write(packet.AsSpan(used), fragment);
                element.AsSpan(position, (int)fragment).CopyTo(packet.AsSpan(used));
                used += (int)fragment;
                position += (int)fragment;
                Finish(continues: true);
            }
        }

        if (used > 1)
        {
            Finish(continues: false);
        }

        return payloads;
    }
}
