namespace Sluice.Media.Codecs;

/// <summary>Unsigned LEB128 as AV1 uses it (AV1 Bitstream Specification §4.10.5): at most 8 bytes, value below 2^32.</summary>
public static class Leb128
{
    public static bool TryRead(ReadOnlySpan<byte> data, out uint value, out int length)
    {
        value = 0;
        length = 0;
        ulong result = 0;
        for (int i = 0; i < 8 && i < data.Length; i++)
        {
            result |= (ulong)(data[i] & 0x7F) << (7 * i);
            if ((data[i] & 0x80) == 0)
            {
                if (result > uint.MaxValue)
                {
                    return false;
                }

                value = (uint)result;
                length = i + 1;
                return true;
            }
        }

        return false;
    }

    public static int SizeOf(uint value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes the minimal encoding; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static void Write(Stream stream, uint value)
    {
        Span<byte> buffer = stackalloc byte[5];
        stream.Write(buffer[..Write(buffer, value)]);
    }
}
