using System.Buffers.Binary;

namespace Sluice.Rtc.Rtp;

/// <summary>
/// Builds an RTP packet (RFC 3550 §5.1) into a caller's buffer, with CSRCs, RFC 8285 header extensions and
/// optional padding. The extension form is chosen at <see cref="Write"/>: two-byte (§4.3) if any id is above
/// 14 or any data length is 0 or above 16, else one-byte (§4.2). A buffer too small is a programming error
/// and throws <see cref="ArgumentException"/>.
/// </summary>
/// <example>
/// <code>
/// var writer = new RtpPacketWriter(buffer) { PayloadType = 96, SequenceNumber = 1, Timestamp = 90000, Ssrc = 0x1234 };
/// writer.AddExtension(1, audioLevel);
/// int length = writer.Write(payload);
/// </code>
/// </example>
public ref struct RtpPacketWriter
{
    // Elements are staged in two-byte layout (id, length, data) right after the extension header, and
    // compacted to one-byte layout at Write when all of them fit: no side storage is needed.
    private readonly Span<byte> _buffer;
    private int _csrcCount;
    private int _stagedLength;
    private int _extensionCount;
    private bool _needsTwoByte;
    private bool _written;

    /// <summary>Starts a packet in <paramref name="buffer"/>.</summary>
    public RtpPacketWriter(Span<byte> buffer)
    {
        if (buffer.Length < RtpPacket.FixedHeaderLength)
        {
            throw new ArgumentException("The buffer cannot hold an RTP header.", nameof(buffer));
        }

        _buffer = buffer;
    }

    /// <summary>The marker bit.</summary>
    public bool Marker { get; set; }

    /// <summary>The 7-bit payload type.</summary>
    public byte PayloadType
    {
        readonly get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, (byte)127);
            field = value;
        }
    }

    /// <summary>The sequence number.</summary>
    public ushort SequenceNumber { get; set; }

    /// <summary>The timestamp.</summary>
    public uint Timestamp { get; set; }

    /// <summary>The SSRC.</summary>
    public uint Ssrc { get; set; }

    /// <summary>Padding bytes to append, including the count byte (0 for none, else 1..255).</summary>
    public byte PaddingLength { get; set; }

    /// <summary>Number of CSRCs added so far.</summary>
    public readonly int CsrcCount => _csrcCount;

    private readonly int ExtensionStart => RtpPacket.FixedHeaderLength + (4 * _csrcCount) + 4;

    /// <summary>Appends a contributing source (at most 15).</summary>
    public void AddCsrc(uint csrc)
    {
        ThrowIfWritten();
        if (_csrcCount == 15)
        {
            throw new InvalidOperationException("An RTP packet carries at most 15 CSRCs.");
        }

        int at = RtpPacket.FixedHeaderLength + (4 * _csrcCount);
        if (_extensionCount > 0)
        {
            // Make room by moving the staged extension elements one word further.
            EnsureCapacity(ExtensionStart + 4 + _stagedLength);
            _buffer.Slice(ExtensionStart, _stagedLength).CopyTo(_buffer.Slice(ExtensionStart + 4));
        }
        else
        {
            EnsureCapacity(at + 4);
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(at), csrc);
        _csrcCount++;
    }

    /// <summary>Appends an RFC 8285 header extension element with local identifier 1..255.</summary>
    public void AddExtension(int id, scoped ReadOnlySpan<byte> data)
    {
        ThrowIfWritten();
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, 255);
        if (data.Length > RtpExtensionProfile.MaxTwoByteDataLength)
        {
            throw new ArgumentException("An extension element carries at most 255 bytes.", nameof(data));
        }

        int at = ExtensionStart + _stagedLength;
        EnsureCapacity(at + 2 + data.Length);
        _buffer[at] = (byte)id;
        _buffer[at + 1] = (byte)data.Length;
        data.CopyTo(_buffer.Slice(at + 2));
        _stagedLength += 2 + data.Length;
        _extensionCount++;
        _needsTwoByte |= id > RtpExtensionProfile.MaxOneByteId || data.Length == 0 || data.Length > RtpExtensionProfile.MaxOneByteDataLength;
    }

    /// <summary>Writes the header, the extension, <paramref name="payload"/> and padding; returns the packet length. Call once.</summary>
    public int Write(scoped ReadOnlySpan<byte> payload)
    {
        if (_written)
        {
            throw new InvalidOperationException("This packet was already written; start a new writer.");
        }

        _written = true;
        int offset = RtpPacket.FixedHeaderLength + (4 * _csrcCount);
        if (_extensionCount > 0)
        {
            int start = offset + 4;
            int length = _needsTwoByte ? _stagedLength : CompactToOneByte(_buffer.Slice(start, _stagedLength));
            int padded = (length + 3) & ~3;
            EnsureCapacity(start + padded);
            _buffer.Slice(start + length, padded - length).Clear();
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(offset), _needsTwoByte ? RtpExtensionProfile.TwoByte : RtpExtensionProfile.OneByte);
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(offset + 2), (ushort)(padded / 4));
            offset = start + padded;
        }

        int total = offset + payload.Length + PaddingLength;
        EnsureCapacity(total);
        payload.CopyTo(_buffer.Slice(offset));
        if (PaddingLength > 0)
        {
            _buffer.Slice(offset + payload.Length, PaddingLength - 1).Clear();
            _buffer[total - 1] = PaddingLength;
        }

        _buffer[0] = (byte)((RtpPacket.Version2 << 6) | (PaddingLength > 0 ? 0x20 : 0) | (_extensionCount > 0 ? 0x10 : 0) | _csrcCount);
        _buffer[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2), SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(4), Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(8), Ssrc);
        return total;
    }

    /// <summary>Rewrites staged (id, length, data) elements as RFC 8285 §4.2 one-byte elements; returns the new length.</summary>
    private static int CompactToOneByte(Span<byte> staged)
    {
        int read = 0;
        int write = 0;
        while (read < staged.Length)
        {
            int id = staged[read];
            int length = staged[read + 1];
            staged[write] = (byte)((id << 4) | (length - 1));
            staged.Slice(read + 2, length).CopyTo(staged.Slice(write + 1));
            read += 2 + length;
            write += 1 + length;
        }

        return write;
    }

    private readonly void ThrowIfWritten()
    {
        if (_written)
        {
            throw new InvalidOperationException("This packet was already written; start a new writer.");
        }
    }

    private readonly void EnsureCapacity(int length)
    {
        if (length > _buffer.Length)
        {
            throw new ArgumentException("The buffer is too small for this RTP packet.");
        }
    }
}
