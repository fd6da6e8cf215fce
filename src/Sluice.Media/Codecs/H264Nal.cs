namespace Sluice.Media.Codecs;

/// <summary>Small facts about one H.264 NAL unit (ITU-T H.264 §7.3.1, §7.3.3).</summary>
public static class H264Nal
{
    /// <summary>The nal_unit_type of a NAL unit whose first byte is <paramref name="header"/>.</summary>
    public static H264NalType TypeOf(byte header) => (H264NalType)(header & 0x1F);

    /// <summary>Whether the type carries slice data (VCL NAL units, types 1–5).</summary>
    public static bool IsVcl(H264NalType type) => type is >= H264NalType.NonIdrSlice and <= H264NalType.IdrSlice;

    /// <summary>
    /// Whether first_mb_in_slice, the first ue(v) field of the slice header (§7.3.3), is 0. ue(v) codes 0 as
    /// a single 1 bit, so only the first bit after the NAL header byte matters.
    /// </summary>
    public static bool IsFirstSliceOfPicture(ReadOnlySpan<byte> nal) => nal.Length >= 2 && (nal[1] & 0x80) != 0;

    /// <summary>Reads first_mb_in_slice as ue(v) (§9.1); false if the NAL ends first.</summary>
    public static bool TryReadFirstMbInSlice(ReadOnlySpan<byte> nal, out uint firstMb)
    {
        firstMb = 0;
        int bit = 8;
        int zeros = 0;
        while (true)
        {
            if (bit >= nal.Length * 8 || zeros > 31)
            {
                return false;
            }

            if ((nal[bit >> 3] & (0x80 >> (bit & 7))) != 0)
            {
                bit++;
                break;
            }

            zeros++;
            bit++;
        }

        ulong value = 0;
        for (int i = 0; i < zeros; i++, bit++)
        {
            if (bit >= nal.Length * 8)
            {
                return false;
            }

            value = (value << 1) | (uint)((nal[bit >> 3] >> (7 - (bit & 7))) & 1);
        }

        firstMb = (uint)((1UL << zeros) - 1 + value);
        return true;
    }
}
