using System.Buffers.Binary;
using Sluice.Media.Codecs;

namespace Sluice.Media.Rtp;

/// <summary>
/// H.264 over RTP in packetization-mode 1 (RFC 6184 §6.3): a NAL unit that fits goes alone (§5.6) or
/// together with its neighbours in a STAP-A (§5.7.1); one that does not fit is split into FU-As (§5.8).
/// The frame is one access unit in Annex B form (3- or 4-byte start codes).
/// </summary>
public sealed class H264Payloader : RtpPayloader
{
    private const int StapAHeaderLength = 1;
    private const int StapALengthField = 2;
    private const int FuAHeaderLength = 2;

    public override MediaCodec Codec => MediaCodec.H264;

    public override IReadOnlyList<byte[]> Packetize(ReadOnlySpan<byte> frame, int maxPayloadSize = 1200)
    {
        CheckMaxPayloadSize(maxPayloadSize);
        var payloads = new List<byte[]>();
        var group = new List<Range>();
        int groupSize = StapAHeaderLength;
        foreach (var range in AnnexB.Split(frame))
        {
            var nal = frame[range];
            if (nal.Length > maxPayloadSize)
            {
                Flush(frame, group, payloads);
                groupSize = StapAHeaderLength;
                Fragment(nal, maxPayloadSize, payloads);
                continue;
            }

            if (group.Count > 0 && groupSize + StapALengthField + nal.Length > maxPayloadSize)
            {
                Flush(frame, group, payloads);
                groupSize = StapAHeaderLength;
            }

            group.Add(range);
            groupSize += StapALengthField + nal.Length;
        }

        Flush(frame, group, payloads);
        return payloads;
    }

    /// <summary>One NAL alone as a single NAL unit packet; several as a STAP-A with F = OR and NRI = max of theirs.</summary>
    private static void Flush(ReadOnlySpan<byte> frame, List<Range> group, List<byte[]> payloads)
    {
        if (group.Count == 1)
        {
            payloads.Add(frame[group[0]].ToArray());
        }
        else if (group.Count > 1)
        {
            int size = StapAHeaderLength;
            int f = 0;
            int nri = 0;
            foreach (var range in group)
            {
                var nal = frame[range];
                size += StapALengthField + nal.Length;
                f |= nal[0] & 0x80;
                nri = Math.Max(nri, nal[0] & 0x60);
            }

            var payload = new byte[size];
            payload[0] = (byte)(f | nri | (int)H264NalType.StapA);
            int offset = StapAHeaderLength;
            foreach (var range in group)
            {
                var nal = frame[range];
                BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(offset), (ushort)nal.Length);
                nal.CopyTo(payload.AsSpan(offset + StapALengthField));
                offset += StapALengthField + nal.Length;
            }

            payloads.Add(payload);
        }

        group.Clear();
    }

    /// <summary>
    /// §5.8: the FU indicator takes F and NRI from the NAL header with type 28; the FU header has S on the
    /// first fragment, E on the last, and the NAL type. The NAL header byte itself is not sent.
    /// </summary>
    private static void Fragment(ReadOnlySpan<byte> nal, int maxPayloadSize, List<byte[]> payloads)
    {
        byte indicator = (byte)((nal[0] & 0xE0) | (int)H264NalType.FuA);
        byte type = (byte)(nal[0] & 0x1F);
        int chunk = maxPayloadSize - FuAHeaderLength;
        for (int offset = 1; offset < nal.Length; offset += chunk)
        {
            int length = Math.Min(chunk, nal.Length - offset);
            var payload = new byte[FuAHeaderLength + length];
            payload[0] = indicator;
            payload[1] = (byte)((offset == 1 ? 0x80 : 0) | (offset + length == nal.Length ? 0x40 : 0) | type);
            nal.Slice(offset, length).CopyTo(payload.AsSpan(FuAHeaderLength));
            payloads.Add(payload);
        }
    }
}
