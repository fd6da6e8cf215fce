using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// One validated packet of a compound RTCP datagram: the RFC 3550 §6.4.1 common header and its body.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  RC/FMT |      PT       |   length (32-bit words - 1)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 body ...          | padding | pad count (if P)|
/// </code>
/// </remarks>
public readonly ref struct RtcpHeaderView
{
    private RtcpHeaderView(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> body)
    {
        Packet = packet;
        Body = body;
    }

    /// <summary>The packet type; values outside <see cref="RtcpPacketType"/>'s names (e.g. XR 207) are passed through.</summary>
    public RtcpPacketType Type => (RtcpPacketType)Packet[1];

    /// <summary>The 5-bit report count, source count or feedback message type (FMT).</summary>
    public byte CountOrFormat => (byte)(Packet[0] & 0x1F);

    /// <summary>Whether the padding bit is set.</summary>
    public bool Padding => (Packet[0] & 0x20) != 0;

    /// <summary>The whole packet, header and padding included.</summary>
    public ReadOnlySpan<byte> Packet { get; }

    /// <summary>The bytes after the 4-byte header, padding excluded.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>
    /// The first word of the body: the sender's SSRC for SR, RR, APP and feedback; the first chunk's or
    /// source's SSRC for SDES and BYE; 0 when the body is shorter than 4 bytes.
    /// </summary>
    public uint SenderSsrc => Body.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Body) : 0;

    /// <summary>
    /// Reads the packet at the start of <paramref name="data"/>: version 2, the length within the data,
    /// and a padding count within the packet. Never throws.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpHeaderView packet, out int length)
    {
        packet = default;
        length = 0;
        if (data.Length < RtcpHeader.Length || (data[0] >> 6) != 2)
        {
            return false;
        }

        int packetLength = (BinaryPrimitives.ReadUInt16BigEndian(data.Slice(2)) + 1) * 4;
        if (packetLength > data.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> whole = data.Slice(0, packetLength);
        int bodyLength = packetLength - RtcpHeader.Length;
        if ((data[0] & 0x20) != 0)
        {
            int padding = whole[^1];
            if (padding == 0 || padding > bodyLength)
            {
                return false;
            }

            bodyLength -= padding;
        }

        packet = new RtcpHeaderView(whole, whole.Slice(RtcpHeader.Length, bodyLength));
        length = packetLength;
        return true;
    }
}
