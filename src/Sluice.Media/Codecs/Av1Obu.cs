namespace Sluice.Media.Codecs;

/// <summary>
/// One OBU's layout (AV1 Bitstream Specification §5.3): a header byte
/// <c>forbidden(1) obu_type(4) obu_extension_flag(1) obu_has_size_field(1) reserved(1)</c>, an extension byte
/// if flagged, a LEB128 obu_size if flagged, then the payload. Without a size field the OBU runs to the end of the data.
/// </summary>
public readonly record struct Av1Obu(int Offset, int HeaderLength, int PayloadOffset, int PayloadLength)
{
    public const byte ExtensionFlag = 0x04;
    public const byte HasSizeField = 0x02;

    public int End => PayloadOffset + PayloadLength;

    public static Av1ObuType TypeOf(byte header) => (Av1ObuType)((header >> 3) & 0x0F);

    /// <summary>Reads the OBU starting at <paramref name="offset"/>; false if it is malformed or cut off.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, int offset, out Av1Obu obu)
    {
        obu = default;
        if (offset >= data.Length || (data[offset] & 0x80) != 0)
        {
            return false;
        }

        byte header = data[offset];
        int headerLength = (header & ExtensionFlag) != 0 ? 2 : 1;
        int position = offset + headerLength;
        if (position > data.Length)
        {
            return false;
        }

        int payloadLength;
        if ((header & HasSizeField) != 0)
        {
            if (!Leb128.TryRead(data[position..], out uint size, out int sizeLength))
            {
                return false;
            }

            position += sizeLength;
            if (size > (uint)(data.Length - position))
            {
                return false;
            }

            payloadLength = (int)size;
        }
        else
        {
            payloadLength = data.Length - position;
        }

        obu = new Av1Obu(offset, headerLength, position, payloadLength);
        return true;
    }
}
