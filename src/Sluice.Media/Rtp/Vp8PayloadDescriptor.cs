namespace Sluice.Media.Rtp;

/// <summary>
/// The VP8 payload descriptor (RFC 7741 §4.2):
/// <code>
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL, 7 or 15 bits)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   | (if M)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class Vp8PayloadDescriptor
{
    public const byte X = 0x80;
    public const byte N = 0x20;
    public const byte S = 0x10;
    public const byte PidMask = 0x07;
    public const byte I = 0x80;
    public const byte L = 0x40;
    public const byte T = 0x20;
    public const byte K = 0x10;
    public const byte M = 0x80;

    /// <summary>Length of the descriptor; false if the payload is too short to hold it.</summary>
    public static bool TryGetLength(ReadOnlySpan<byte> payload, out int length)
    {
        length = 0;
        if (payload.IsEmpty)
        {
            return false;
        }

        int offset = 1;
        if ((payload[0] & X) != 0)
        {
            if (payload.Length < 2)
            {
                return false;
            }

            byte ext = payload[1];
            offset = 2;
            if ((ext & I) != 0)
            {
                if (payload.Length <= offset)
                {
                    return false;
                }

                offset += (payload[offset] & M) != 0 ? 2 : 1;
            }

            if ((ext & L) != 0)
            {
                offset++;
            }

            if ((ext & (T | K)) != 0)
            {
                offset++;
            }
        }

        if (offset > payload.Length)
        {
            return false;
        }

        length = offset;
        return true;
    }

    /// <summary>S=1 and PID=0: the first packet of a frame (its first partition).</summary>
    public static bool IsFrameStart(byte first) => (first & S) != 0 && (first & PidMask) == 0;
}
