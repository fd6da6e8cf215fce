using System.Buffers.Binary;

namespace Sluice.Media.Containers;

/// <summary>
/// Reads Opus packets from an Ogg Opus file (RFC 7845): the OpusHead (§5.1) and OpusTags (§5.2) header
/// packets, then audio packets reassembled from the lacing (RFC 3533 §6), also across pages.
/// Only the first logical stream is read; pages of other streams are skipped.
/// </summary>
/// <remarks>Files are control-plane input: a bad page (capture pattern, version, CRC, truncation) throws <see cref="InvalidDataException"/>.</remarks>
public sealed class OggOpusReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Queue<OggOpusPacket> _ready = new();
    private readonly MemoryStream _partial = new();
    private readonly byte[] _header = new byte[OggPage.HeaderLength];
    private bool _hasPartial;
    private bool _hasSerial;
    private uint _serial;
    private long _position;

    public OggOpusReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;

        if (!TryReadRawPacket(out var head) || !head!.Data.AsSpan().StartsWith("OpusHead"u8))
        {
            throw new InvalidDataException("Not an Ogg Opus file: the first packet is not an OpusHead header (RFC 7845 §5.1).");
        }

        Head = ParseHead(head.Data);
        if (!TryReadRawPacket(out var tags) || !tags!.Data.AsSpan().StartsWith("OpusTags"u8))
        {
            throw new InvalidDataException("Not an Ogg Opus file: the second packet is not an OpusTags header (RFC 7845 §5.2).");
        }
    }

    public OpusHead Head { get; }

    /// <summary>Whether a page with the end-of-stream flag has been read.</summary>
    public bool EndOfStream { get; private set; }

    /// <summary>Reads the next audio packet; false at the end of the stream.</summary>
    public bool TryReadPacket(out OggOpusPacket? packet) => TryReadRawPacket(out packet);

    public void Dispose()
    {
        _partial.Dispose();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private static OpusHead ParseHead(byte[] data)
    {
        if (data.Length < 19)
        {
            throw new InvalidDataException($"Corrupt OpusHead: {data.Length} bytes, at least 19 expected (RFC 7845 §5.1).");
        }

        if (data[8] >> 4 != 0)
        {
            throw new InvalidDataException($"Unsupported OpusHead version {data[8]} (RFC 7845 §5.1 defines major version 0).");
        }

        if (data[9] == 0)
        {
            throw new InvalidDataException("Corrupt OpusHead: zero channels.");
        }

        return new OpusHead(
            data[9],
            BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(10)),
            (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12)), int.MaxValue),
            BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(16)),
            data[18]);
    }

    private bool TryReadRawPacket(out OggOpusPacket? packet)
    {
        while (_ready.Count == 0)
        {
            if (EndOfStream || !ReadPage())
            {
                packet = null;
                return false;
            }
        }

        packet = _ready.Dequeue();
        return true;
    }

    /// <summary>Reads one page of our stream and queues the packets that end on it; false at a clean end of file.</summary>
    private bool ReadPage()
    {
        long pageOffset = _position;
        int read = Read(_header);
        if (read == 0)
        {
            if (_hasPartial)
            {
                throw new InvalidDataException($"Truncated Ogg file: it ends inside a packet (byte {pageOffset}).");
            }

            return false;
        }

        if (read < _header.Length)
        {
            throw new InvalidDataException($"Truncated Ogg page at byte {pageOffset}: {read} of {OggPage.HeaderLength} header bytes.");
        }

        if (!_header.AsSpan(0, 4).SequenceEqual("OggS"u8))
        {
            throw new InvalidDataException($"Corrupt Ogg file: no \"OggS\" capture pattern at byte {pageOffset}.");
        }

        if (_header[4] != 0)
        {
            throw new InvalidDataException($"Unsupported Ogg page version {_header[4]} at byte {pageOffset}.");
        }

        var flags = (OggPageFlags)_header[5];
        long granule = BinaryPrimitives.ReadInt64LittleEndian(_header.AsSpan(6));
        uint serial = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(14));
        uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(18));
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(OggPage.CrcOffset));
        int segmentCount = _header[26];

        var rest = new byte[segmentCount];
        if (Read(rest) < segmentCount)
        {
            throw new InvalidDataException($"Truncated Ogg page {sequence} at byte {pageOffset}: segment table cut off.");
        }

        int bodyLength = 0;
        foreach (byte lace in rest)
        {
            bodyLength += lace;
        }

        var body = new byte[bodyLength];
        if (Read(body) < bodyLength)
        {
            throw new InvalidDataException($"Truncated Ogg page {sequence} at byte {pageOffset}: body cut off.");
        }

        _header.AsSpan(OggPage.CrcOffset, 4).Clear();
        uint crc = OggCrc.Compute(body, OggCrc.Compute(rest, OggCrc.Compute(_header)));
        if (crc != storedCrc)
        {
            throw new InvalidDataException(
                $"Corrupt Ogg page {sequence} at byte {pageOffset}: CRC is 0x{storedCrc:X8}, the page computes to 0x{crc:X8}.");
        }

        if (!_hasSerial)
        {
            _hasSerial = true;
            _serial = serial;
        }
        else if (serial != _serial)
        {
            return true;
        }

        if ((flags & OggPageFlags.Continued) == 0 && _hasPartial)
        {
            throw new InvalidDataException($"Corrupt Ogg page {sequence} at byte {pageOffset}: a packet from the previous page is not continued.");
        }

        // A continued page without a pending packet happens only after a cut; drop the orphaned tail.
        bool skipping = (flags & OggPageFlags.Continued) != 0 && !_hasPartial;
        int lastEnding = -1;
        for (int i = 0; i < segmentCount; i++)
        {
            if (rest[i] < 255)
            {
                lastEnding = i;
            }
        }

        int offset = 0;
        for (int i = 0; i < segmentCount; i++)
        {
            int lace = rest[i];
            if (!skipping)
            {
                _partial.Write(body, offset, lace);
                _hasPartial = true;
            }

            offset += lace;
            if (lace < 255)
            {
                if (!skipping)
                {
                    var data = _partial.ToArray();
                    _ready.Enqueue(new OggOpusPacket(data, i == lastEnding ? granule : -1, OpusToc.Samples48k(data)));
                }

                skipping = false;
                _partial.SetLength(0);
                _hasPartial = false;
            }
        }

        if ((flags & OggPageFlags.EndOfStream) != 0)
        {
            EndOfStream = true;
            _partial.SetLength(0);
            _hasPartial = false;
        }

        return true;
    }

    private int Read(Span<byte> buffer)
    {
        int read = StreamReading.ReadFully(_stream, buffer);
        _position += read;
        return read;
    }
}
