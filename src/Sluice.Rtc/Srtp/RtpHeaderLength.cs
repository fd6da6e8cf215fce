using System.Buffers.Binary;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// Length of an RTP header: the fixed 12 octets, the CSRC list and the header extension
/// (RFC 3550 §5.1, §5.3.1), which SRTP leaves in clear and authenticates (RFC 3711 §3.1).
/// </summary>
internal static class RtpHeaderLength
{
    public const int Fixed = 12;
    private const byte ExtensionBit = 0x10;
    private const byte CsrcCountMask = 0x0F;

    /// <summary>False when the packet is shorter than the header it announces.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out int length)
    {
        length = 0;
        if (packet.Length < Fixed)
        {
            return false;
        }

        int header = Fixed + (4 * (packet[0] & CsrcCountMask));
        if ((packet[0] & ExtensionBit) != 0)
        {
            if (packet.Length < header + 4)
            {
                return false;
            }

            header += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(header + 2)..]));
        }

        if (header > packet.Length)
        {
            return false;
        }

        length = header;
        return true;
    }
}
