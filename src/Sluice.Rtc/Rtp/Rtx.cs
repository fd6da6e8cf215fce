using System.Buffers.Binary;

namespace Sluice.Rtc.Rtp;

/// <summary>
/// The RTX retransmission payload format (RFC 4588 §4): the original packet's header with the RTX stream's payload
/// type, SSRC and sequence number, then the original sequence number (OSN, 2 bytes), then the original payload.
/// Padding, if any, stays at the end with its P bit, so a wrap then an unwrap gives back the same bytes.
/// </summary>
/// <remarks>
/// <code>
/// | RTP header (rtx PT, rtx SSRC, rtx seq; original timestamp, marker, CSRCs, extensions) |
/// |            OSN                |  original RTP payload ...  | padding (if P)           |
/// </code>
/// Every method returns false (or 0) for input that is not RTP, an RTX packet without an OSN (a padding-only
/// bandwidth probe) or a destination that is too small; none throws or allocates.
/// </remarks>
public static class Rtx
{
    /// <summary>The OSN that precedes the original payload.</summary>
    public const int OsnLength = 2;

    /// <summary>Writes the RTX form of <paramref name="original"/> into <paramref name="destination"/>; its length, or 0.</summary>
    public static int Wrap(ReadOnlySpan<byte> original, Span<byte> destination, byte rtxPayloadType, uint rtxSsrc, ushort rtxSequenceNumber)
    {
        if (original.Length + OsnLength > destination.Length || !RtpPacket.TryParse(original, out var packet))
        {
            return 0;
        }

        var header = packet.HeaderLength;
        original[..header].CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[header..], packet.SequenceNumber);
        original[header..].CopyTo(destination[(header + OsnLength)..]);
        SetStream(destination, rtxPayloadType, rtxSsrc, rtxSequenceNumber);
        return original.Length + OsnLength;
    }

    /// <summary>
    /// Turns the packet in <paramref name="buffer"/>[..<paramref name="length"/>] into its RTX form in place (the
    /// body moves two bytes on; the buffer needs room for them). Returns the new length, or 0.
    /// </summary>
    public static int WrapInPlace(Span<byte> buffer, int length, byte rtxPayloadType, uint rtxSsrc, ushort rtxSequenceNumber)
    {
        if ((uint)length > (uint)buffer.Length || length + OsnLength > buffer.Length || !RtpPacket.TryParse(buffer[..length], out var packet))
        {
            return 0;
        }

        var header = packet.HeaderLength;
        var sequenceNumber = packet.SequenceNumber;
        buffer[header..length].CopyTo(buffer[(header + OsnLength)..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[header..], sequenceNumber);
        SetStream(buffer, rtxPayloadType, rtxSsrc, rtxSequenceNumber);
        return length + OsnLength;
    }

    /// <summary>
    /// Restores the original packet into <paramref name="destination"/>: payload type <paramref name="associatedPayloadType"/>
    /// (the <c>apt</c> of the RTX payload type), SSRC <paramref name="mediaSsrc"/>, sequence number from the OSN.
    /// </summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> rtx, Span<byte> destination, byte associatedPayloadType, uint mediaSsrc, out int length)
    {
        length = 0;
        if (!TryReadOsn(rtx, out var header, out var osn) || rtx.Length - OsnLength > destination.Length)
        {
            return false;
        }

        rtx[..header].CopyTo(destination);
        rtx[(header + OsnLength)..].CopyTo(destination[header..]);
        SetStream(destination, associatedPayloadType, mediaSsrc, osn);
        length = rtx.Length - OsnLength;
        return true;
    }

    /// <summary>
    /// Restores the original packet in place by moving the header two bytes on, over the OSN:
    /// <paramref name="original"/> is the tail of <paramref name="packet"/> that holds it.
    /// </summary>
    public static bool TryUnwrapInPlace(Span<byte> packet, byte associatedPayloadType, uint mediaSsrc, out Span<byte> original)
    {
        if (!TryReadOsn(packet, out var header, out var osn))
        {
            original = default;
            return false;
        }

        packet[..header].CopyTo(packet[OsnLength..]);
        original = packet[OsnLength..];
        SetStream(original, associatedPayloadType, mediaSsrc, osn);
        return true;
    }

    private static bool TryReadOsn(ReadOnlySpan<byte> rtx, out int headerLength, out ushort osn)
    {
        // Without an OSN (a padding-only packet on the RTX stream) there is nothing to restore.
        if (!RtpPacket.TryParse(rtx, out var packet) || packet.Payload.Length < OsnLength)
        {
            headerLength = 0;
            osn = 0;
            return false;
        }

        headerLength = packet.HeaderLength;
        osn = BinaryPrimitives.ReadUInt16BigEndian(packet.Payload);
        return true;
    }

    private static void SetStream(Span<byte> packet, byte payloadType, uint ssrc, ushort sequenceNumber)
    {
        RtpHeaderRewriter.SetPayloadType(packet, payloadType);
        RtpHeaderRewriter.SetSequenceNumber(packet, sequenceNumber);
        RtpHeaderRewriter.SetSsrc(packet, ssrc);
    }
}
