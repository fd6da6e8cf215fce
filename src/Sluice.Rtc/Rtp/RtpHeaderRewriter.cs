using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    /// Sets a 2-byte extension element (a transport-wide sequence number, draft-holmer-rmcat-transport-wide-cc-extensions-01
    /// §2) in the packet of <paramref name="length"/> bytes at the start of <paramref name="buffer"/>: overwritten where
    /// an element with <paramref name="id"/> and 2 bytes of data is there, else added, growing the header by 4 bytes
    /// (8 when the packet had no extension block) and moving the payload. <paramref name="buffer"/> needs that room.
    /// Returns the new length, or -1 (packet untouched) for a malformed packet, an extension profile other than
    /// RFC 8285's, or an id the form cannot carry.
    /// </summary>
    public static int SetTwoByteValue(Span<byte> buffer, int length, int id, ushort value)
    {
        if (!RtpPacket.TryParse(buffer[..length], out var rtp) || id is < 1 or > 255)
        {
            return -1;
        }

        int fixedAndCsrcs = RtpPacket.FixedHeaderLength + (4 * rtp.CsrcCount);
        if (!rtp.HasExtension)
        {
            if (id > RtpExtensionProfile.MaxOneByteId || length + 8 > buffer.Length)
            {
                return -1;
            }

            buffer[fixedAndCsrcs..length].CopyTo(buffer[(fixedAndCsrcs + 8)..]);
            var block = buffer.Slice(fixedAndCsrcs, 8);
            BinaryPrimitives.WriteUInt16BigEndian(block, RtpExtensionProfile.OneByte);
            BinaryPrimitives.WriteUInt16BigEndian(block[2..], 1);
            WriteElement(block[4..], oneByte: true, id, value);
            buffer[0] |= 0x10;
            return length + 8;
        }

        bool oneByte = RtpExtensionProfile.IsOneByte(rtp.ExtensionProfile);
        if ((!oneByte && !RtpExtensionProfile.IsTwoByte(rtp.ExtensionProfile)) || (oneByte && id > RtpExtensionProfile.MaxOneByteId))
        {
            return -1;
        }

        foreach (RtpExtension extension in rtp.GetExtensions())
        {
            if (extension.Id == id && extension.Data.Length == 2)
            {
                int at = rtp.HeaderLength - rtp.ExtensionData.Length + (int)Unsafe.ByteOffset(
                    ref MemoryMarshal.GetReference(rtp.ExtensionData), ref MemoryMarshal.GetReference(extension.Data));
                BinaryPrimitives.WriteUInt16BigEndian(buffer.Slice(at, 2), value);
                return length;
            }
        }

        if (length + 4 > buffer.Length)
        {
            return -1;
        }

        // A new 4-byte word at the end of the block: the element, padded with a zero byte in the one-byte form.
        int end = rtp.HeaderLength;
        buffer[end..length].CopyTo(buffer[(end + 4)..]);
        WriteElement(buffer.Slice(end, 4), oneByte, id, value);
        int words = BinaryPrimitives.ReadUInt16BigEndian(buffer[(fixedAndCsrcs + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(fixedAndCsrcs + 2)..], (ushort)(words + 1));
        return length + 4;
    }

    private static void WriteElement(Span<byte> word, bool oneByte, int id, ushort value)
    {
        if (oneByte)
        {
            word[0] = (byte)((id << 4) | 1);
            BinaryPrimitives.WriteUInt16BigEndian(word[1..], value);
            word[3] = 0;
        }
        else
        {
            word[0] = (byte)id;
            word[1] = 2;
            BinaryPrimitives.WriteUInt16BigEndian(word[2..], value);
        }
    }

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
