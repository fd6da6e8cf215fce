using System.Buffers.Binary;

namespace Sluice.Cli.Tests.Rtp;

/// <summary>Plain RTP packets for the tests: a 12-byte header and a payload derived from the sequence number.</summary>
internal static class Packets
{
    public static byte[] Rtp(ushort sequenceNumber, uint timestamp = 0, uint ssrc = 0x1111_2222, byte payloadType = 96, bool marker = false, int payloadLength = 20)
    {
        var packet = new byte[12 + payloadLength];
        packet[0] = 0x80;                                                       // V=2, no padding/extension/CSRC
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);                  // M, PT
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (var i = 12; i < packet.Length; i++)
        {
            packet[i] = (byte)(sequenceNumber * 7 + i);
        }

        return packet;
    }

    public static ushort Sequence(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));
}
