using System.Buffers.Binary;

namespace Sluice.Rtc.Rtp;

/// <summary>
/// In-place rewrites of RTP header fields (RFC 3550 §5.1) and RFC 8285 extension ids for forwarding:
/// no allocation, no copy. The field setters expect at least the 12-byte fixed header (a shorter
/// span is a programming error and throws).
/// </summary>
public static class RtpHeaderRewriter
{
    /// <summary>Sets or clears the marker bit.</summary>
    public static void SetMarker(Span<byte> packet, bool marker) =>
        packet[1] = (byte)((packet[1] & 0x7F) | (marker ? 0x80 : 0));

    /// <summary>Sets the 7-bit payload type, keeping the marker bit.</summary>
    public static void SetPayloadType(Span<byte> packet, byte payloadType)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadType, (byte)127);
        packet[1] = (byte)((packet[1] & 0x80) | payloadType);
    }

    /// <summary>Sets the sequence number.</summary>
    public static void SetSequenceNumber(Span<byte> packet, ushort sequenceNumber) =>
        BinaryPrimitives.WriteUInt16BigEndian(packet.Slice(2, 2), sequenceNumber);

    /// <summary>Sets the timestamp.</summary>
    public static void SetTimestamp(Span<byte> packet, uint timestamp) =>
        BinaryPrimitives.WriteUInt32BigEndian(packet.Slice(4, 4), timestamp);

    /// <summary>Sets the SSRC.</summary>
    public static void SetSsrc(Span<byte> packet, uint ssrc) =>
        BinaryPrimitives.WriteUInt32BigEndian(packet.Slice(8, 4), ssrc);

    /// <summary>
    /// Rewrites RFC 8285 extension ids through <paramref name="idMap"/>, indexed by the old id: the value is
    /// the new id, and 0 (or an old id beyond the map) removes the element by zeroing it, since zero bytes are
    /// padding in both forms (RFC 8285 §4.2, §4.3), so lengths never change. Returns false, leaving the packet
    /// untouched, when the packet or its extension is malformed or a new id does not fit the form (1..14 for
    /// one-byte, 1..255 for two-byte). A packet without an RFC 8285 extension is left as is and returns true.
    /// </summary>
    public static bool RewriteExtensionIds(Span<byte> packet, ReadOnlySpan<byte> idMap)
    {
        if (!RtpPacket.TryParse(packet, out RtpPacket rtp))
        {
            return false;
        }

        ushort profile = rtp.ExtensionProfile;
        bool oneByte = RtpExtensionProfile.IsOneByte(profile);
        if (!rtp.HasExtension || (!oneByte && !RtpExtensionProfile.IsTwoByte(profile)))
        {
            return true;
        }

        int dataOffset = rtp.HeaderLength - rtp.ExtensionData.Length;
        Span<byte> data = packet.Slice(dataOffset, rtp.ExtensionData.Length);

        // Validate everything first so a failure leaves the packet as it was.
        return Walk(data, idMap, oneByte, apply: false) && Walk(data, idMap, oneByte, apply: true);
    }

    private static bool Walk(Span<byte> data, ReadOnlySpan<byte> idMap, bool oneByte, bool apply)
    {
        int offset = 0;
        while (offset < data.Length)
        {
            byte first = data[offset];
            if (first == 0)
            {
                offset++;
                continue;
            }

            int id;
            int elementLength;
            if (oneByte)
            {
                id = first >> 4;
                if (id == 15)
                {
                    return true;
                }

                elementLength = 1 + (first & 0x0F) + 1;
            }
            else
            {
                if (offset + 2 > data.Length)
                {
                    return false;
                }

                id = first;
                elementLength = 2 + data[offset + 1];
            }

            if (offset + elementLength > data.Length)
            {
                return false;
            }

            int newId = id < idMap.Length ? idMap[id] : 0;
            if (oneByte && newId > RtpExtensionProfile.MaxOneByteId)
            {
                return false;
            }

            if (apply)
            {
                if (newId == 0)
                {
                    data.Slice(offset, elementLength).Clear();
                }
                else
                {
                    data[offset] = oneByte ? (byte)((newId << 4) | (first & 0x0F)) : (byte)newId;
                }
            }

            offset += elementLength;
        }

        return true;
    }
}
