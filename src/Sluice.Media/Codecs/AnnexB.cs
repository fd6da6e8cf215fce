namespace Sluice.Media.Codecs;

/// <summary>H.264 Annex B byte stream framing: NAL units separated by 0x000001 or 0x00000001 start codes (ITU-T H.264 §B.1).</summary>
public static class AnnexB
{
    /// <summary>The 4-byte start code Sluice writes.</summary>
    public static ReadOnlySpan<byte> StartCode => [0, 0, 0, 1];

    /// <summary>
    /// Splits Annex B bytes into NAL unit ranges (start codes and the zero bytes before them excluded).
    /// Bytes before the first start code are ignored; empty NAL units are dropped.
    /// </summary>
    public static List<Range> Split(ReadOnlySpan<byte> data)
    {
        var nals = new List<Range>();
        int start = IndexOfStartCode(data, 0);
        if (start < 0)
        {
            return nals;
        }

        start += 3;
        while (start <= data.Length)
        {
            int next = IndexOfStartCode(data, start);
            int end = TrimTrailingZeros(data, start, next < 0 ? data.Length : next);
            if (end > start)
            {
                nals.Add(start..end);
            }

            if (next < 0)
            {
                break;
            }

            start = next + 3;
        }

        return nals;
    }

    /// <summary>Index of the next 0x000001 at or after <paramref name="from"/>, or -1.</summary>
    public static int IndexOfStartCode(ReadOnlySpan<byte> data, int from)
    {
        if (from >= data.Length)
        {
            return -1;
        }

        int i = data[from..].IndexOf((ReadOnlySpan<byte>)[0, 0, 1]);
        return i < 0 ? -1 : from + i;
    }

    /// <summary>A NAL unit never ends in 0x00 (§7.4.1.2.4), so zeros before a start code are zero_byte/trailing_zero_8bits.</summary>
    public static int TrimTrailingZeros(ReadOnlySpan<byte> data, int start, int end)
    {
        while (end > start && data[end - 1] == 0)
        {
            end--;
        }

        return end;
    }
}
