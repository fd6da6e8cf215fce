using System.Buffers.Binary;

namespace Sluice.Media.Containers;

/// <summary>
/// Writes an Ogg Opus file (RFC 7845): OpusHead on a beginning-of-stream page, OpusTags on its own page
/// (§3), then one audio packet per page with the granule position advanced by each packet's duration.
/// One packet is held back so the last page can carry the end-of-stream flag when the writer is disposed.
/// </summary>
public sealed class OggOpusWriter : IDisposable
{
    private const string Vendor = "Sluice";

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly uint _serial;
    private byte[]? _held;
    private long _heldGranule;
    private uint _sequence;
    private bool _disposed;

    public OggOpusWriter(Stream stream, int channels = 2, int preSkip = 312, uint serialNumber = 0x5EED0001, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(preSkip);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(preSkip, ushort.MaxValue);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _serial = serialNumber;

        // §5.1: "OpusHead", version 1, channels, pre-skip, input rate, gain 0, mapping family 0 (mono/stereo).
        Span<byte> head = stackalloc byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1;
        head[9] = (byte)channels;
        BinaryPrimitives.WriteUInt16LittleEndian(head[10..], (ushort)preSkip);
        BinaryPrimitives.WriteUInt32LittleEndian(head[12..], 48000);
        BinaryPrimitives.WriteInt16LittleEndian(head[16..], 0);
        head[18] = 0;
        OggPage.Write(stream, head, OggPageFlags.BeginningOfStream, 0, _serial, _sequence++);

        // §5.2: "OpusTags", vendor string, zero user comments.
        Span<byte> tags = stackalloc byte[8 + 4 + Vendor.Length + 4];
        "OpusTags"u8.CopyTo(tags);
        BinaryPrimitives.WriteUInt32LittleEndian(tags[8..], (uint)Vendor.Length);
        for (int i = 0; i < Vendor.Length; i++)
        {
            tags[12 + i] = (byte)Vendor[i];
        }

        BinaryPrimitives.WriteUInt32LittleEndian(tags[(12 + Vendor.Length)..], 0);
        OggPage.Write(stream, tags, OggPageFlags.None, 0, _serial, _sequence++);
    }

    /// <summary>Granule position after the packets written so far (48 kHz samples, pre-skip included).</summary>
    public long GranulePosition { get; private set; }

    public int PacketCount { get; private set; }

    public void WritePacket(ReadOnlySpan<byte> packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (packet.Length > 255 * (OggPage.MaxSegments - 1))
        {
            throw new ArgumentException($"An Opus packet of {packet.Length} bytes is larger than any valid packet.", nameof(packet));
        }

        FlushHeld(OggPageFlags.None);
        GranulePosition += OpusToc.Samples48k(packet);
        _held = packet.ToArray();
        _heldGranule = GranulePosition;
        PacketCount++;
    }

    /// <summary>Writes the held packet on an end-of-stream page (or an empty one if nothing was written), then closes the stream unless asked not to.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_held is null)
        {
            OggPage.Write(_stream, [], OggPageFlags.EndOfStream, GranulePosition, _serial, _sequence++, hasPacket: false);
        }
        else
        {
            FlushHeld(OggPageFlags.EndOfStream);
        }

        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void FlushHeld(OggPageFlags flags)
    {
        if (_held is null)
        {
            return;
        }

        OggPage.Write(_stream, _held, flags, _heldGranule, _serial, _sequence++);
        _held = null;
    }
}
