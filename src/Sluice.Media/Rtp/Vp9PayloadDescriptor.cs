namespace Sluice.Media.Rtp;

/// <summary>
/// The VP9 payload descriptor (RFC 9628 §4.2):
/// <code>
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |I|P|L|F|B|E|V|Z| (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PICTURE ID  | (RECOMMENDED, 7 or 15 bits)
/// M:   | EXTENDED PID  |
///      +-+-+-+-+-+-+-+-+
/// L:   |  TID  |U| SID |D| (CONDITIONALLY RECOMMENDED)
///      +-+-+-+-+-+-+-+-+
///      |   TL0PICIDX   | (non-flexible mode only)
///      +-+-+-+-+-+-+-+-+
/// F+P: | P_DIFF      |N| (flexible mode, up to 3 times)
///      +-+-+-+-+-+-+-+-+
/// V:   | SS            | (scalability structure, §4.2.1)
///      +-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class Vp9PayloadDescriptor
{
    public const byte I = 0x80;
    public const byte P = 0x40;
    public const byte L = 0x20;
    public const byte F = 0x10;
    public const byte B = 0x08;
    public const byte E = 0x04;
    public const byte V = 0x02;
    public const byte Z = 0x01;
    public const byte M = 0x80;

    /// <summary>Length of the descriptor including any scalability structure; false if the payload is too short.</summary>
    public static bool TryGetLength(ReadOnlySpan<byte> payload, out int length)
    {
        length = 0;
        if (payload.IsEmpty)
        {
            return false;
        }

        byte first = payload[0];
        int offset = 1;
        if ((first & I) != 0)
        {
            if (offset >= payload.Length)
            {
                return false;
            }

            offset += (payload[offset] & M) != 0 ? 2 : 1;
        }

        if ((first & L) != 0)
        {
            offset += (first & F) != 0 ? 1 : 2;
        }

        if ((first & F) != 0 && (first & P) != 0)
        {
            for (int i = 0; ; i++)
            {
                if (i == 3 || offset >= payload.Length)
                {
                    return false;
                }

                if ((payload[offset++] & 0x01) == 0)
                {
                    break;
                }
            }
        }

        if ((first & V) != 0 && !TrySkipScalabilityStructure(payload, ref offset))
        {
            return false;
        }

        if (offset > payload.Length)
        {
            return false;
        }

        length = offset;
        return true;
    }

    /// <summary>Offset of the layer index byte, or -1 if absent or cut off.</summary>
    public static int LayerIndexOffset(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || (payload[0] & L) == 0)
        {
            return -1;
        }

        int offset = 1;
        if ((payload[0] & I) != 0)
        {
            if (payload.Length < 2)
            {
                return -1;
            }

            offset += (payload[1] & M) != 0 ? 2 : 1;
        }

        return offset < payload.Length ? offset : -1;
    }

    /// <summary>
    /// §4.2.1: N_S(3) Y G RSV(3), then if Y a 16-bit width and height per spatial layer, then if G:
    /// N_G and per picture T(3) U R(2) RSV(2) followed by R P_DIFF bytes.
    /// </summary>
    private static bool TrySkipScalabilityStructure(ReadOnlySpan<byte> payload, ref int offset)
    {
        if (offset >= payload.Length)
        {
            return false;
        }

        byte ss = payload[offset++];
        int spatialLayers = (ss >> 5) + 1;
        if ((ss & 0x10) != 0)
        {
            offset += 4 * spatialLayers;
        }

        if ((ss & 0x08) != 0)
        {
            if (offset >= payload.Length)
            {
                return false;
            }

            int pictures = payload[offset++];
            for (int i = 0; i < pictures; i++)
            {
                if (offset >= payload.Length)
                {
                    return false;
                }

                int references = (payload[offset++] >> 2) & 0x03;
                offset += references;
            }
        }

        return offset <= payload.Length;
    }
}
