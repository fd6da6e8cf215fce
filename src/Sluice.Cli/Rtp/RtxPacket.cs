using System.Buffers.Binary;
using Sluice.Rtc.Rtp;

namespace Sluice.Cli.Rtp;

/// <summary>
/// The RTX retransmission payload format (RFC 4588 §4): the original header with the RTX payload type, SSRC and
/// sequence number, then the original sequence number (OSN, 2 bytes), then the original payload.
/// </summary>
/// <remarks>
/// <code>
/// | RTP header (rtx PT, rtx SSRC, rtx seq, original timestamp/marker/extensions) |
/// |            OSN                |  original RTP payload ...                    |
/// </code>
/// </remarks>
internal static class RtxPacket
{
    /// <summary>Writes the RTX form of <paramref name="original"/>; returns its length, or 0 if the original is not RTP.</summary>
    public static int Wrap(ReadOnlySpan<byte> original, Span<byte> destination, byte rtxPayloadType, uint rtxSsrc, ushort rtxSequenceNumber)
    {
        if (!RtpPacket.TryParse(original, out var packet))
        {
            return 0;
        }

        var payload = packet.Payload;
        var length = packet.HeaderLength + 2 + payload.Length;
        if (length > destination.Length)
        {
            throw new ArgumentException("The buffer is too small for the RTX packet.", nameof(destination));
        }

        original[..packet.HeaderLength].CopyTo(destination);

        // Padding is not carried over: the RTX packet has its own (none).
        destination[0] &= 0xDF;
        destination[1] = (byte)((destination[1] & 0x80) | rtxPayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], rtxSequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], rtxSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination[packet.HeaderLength..], packet.SequenceNumber);
        payload.CopyTo(destination[(packet.HeaderLength + 2)..]);
        return length;
    }

    /// <summary>
    /// Restores the original packet (RFC 4588 §4): payload type <paramref name="associatedPayloadType"/> (the
    /// <c>apt</c>), sequence number from the OSN, SSRC <paramref name="mediaSsrc"/>. False for a malformed packet
    /// or one without media (padding-only probes carry no OSN-plus-payload).
    /// </summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> rtx, byte associatedPayloadType, uint mediaSsrc, Span<byte> destination, out int length)
    {
        length = 0;
        if (!RtpPacket.TryParse(rtx, out var packet) || packet.Payload.Length <= 2)
        {
            return false;
        }

        var osn = BinaryPrimitives.ReadUInt16BigEndian(packet.Payload);
        var payload = packet.Payload[2..];
        length = packet.HeaderLength + payload.Length;
        if (length > destination.Length)
        {
            length = 0;
            return false;
        }

        rtx[..packet.HeaderLength].CopyTo(destination);
        destination[0] &= 0xDF;
        destination[1] = (byte)((destination[1] & 0x80) | associatedPayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], osn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        payload.CopyTo(destination[packet.HeaderLength..]);
        return true;
    }
}
