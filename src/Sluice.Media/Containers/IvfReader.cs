using System.Buffers.Binary;
using System.Text;

namespace Sluice.Media.Containers;

/// <summary>
/// Reads an IVF file: "DKIF", version 0, header length 32, FourCC, width, height, timebase
/// denominator and numerator, frame count, then frames of (u32 size, u64 timestamp, data), all little-endian.
/// </summary>
/// <remarks>
/// Files are control-plane input: a header that is not IVF throws <see cref="InvalidDataException"/>.
/// A file cut off inside a frame ends the stream (<see cref="TryReadFrame"/> returns false and
/// <see cref="IsTruncated"/> is set), because recordings that were interrupted are still worth playing.
/// </remarks>
public sealed class IvfReader : IDisposable
{
    /// <summary>Frames larger than this are treated as corrupt rather than allocated.</summary>
    public const int MaxFrameSize = 64 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _frameHeader = new byte[IvfHeader.FrameHeaderLength];

    public IvfReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;

        Span<byte> header = stackalloc byte[IvfHeader.Length];
        int read = StreamReading.ReadFully(stream, header);
        if (read < IvfHeader.Length)
        {
            throw new InvalidDataException($"Not an IVF file: only {read} bytes, the IVF header needs {IvfHeader.Length}.");
        }

        if (!header[..4].SequenceEqual("DKIF"u8))
        {
            throw new InvalidDataException("Not an IVF file: it does not start with \"DKIF\".");
        }

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        if (headerLength < IvfHeader.Length)
        {
            throw new InvalidDataException($"Corrupt IVF file: header length {headerLength} is below {IvfHeader.Length}.");
        }

        string fourCc = Encoding.ASCII.GetString(header.Slice(8, 4));
        if (!IvfHeader.TryCodecOf(fourCc, out var codec))
        {
            throw new InvalidDataException($"Unsupported IVF codec \"{fourCc}\": expected VP80, VP90 or AV01.");
        }

        Codec = codec;
        Header = new IvfHeader(
            fourCc,
            BinaryPrimitives.ReadUInt16LittleEndian(header[12..]),
            BinaryPrimitives.ReadUInt16LittleEndian(header[14..]),
            (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[16..]), int.MaxValue),
            (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[20..]), int.MaxValue),
            (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[24..]), int.MaxValue));

        // Some writers leave room after the 32 bytes; the header length says where frames start.
        for (int skip = headerLength - IvfHeader.Length; skip > 0; skip--)
        {
            if (stream.ReadByte() < 0)
            {
                IsTruncated = true;
                break;
            }
        }
    }

    public IvfHeader Header { get; }

    public MediaCodec Codec { get; }

    /// <summary>Set when the file ended inside a frame header or frame.</summary>
    public bool IsTruncated { get; private set; }

    /// <summary>Reads the next frame; false at the end of the file (or where it was cut off).</summary>
    /// <exception cref="InvalidDataException">A frame claims more than <see cref="MaxFrameSize"/> bytes.</exception>
    public bool TryReadFrame(out IvfFrame? frame)
    {
        frame = null;
        if (IsTruncated)
        {
            return false;
        }

        int read = StreamReading.ReadFully(_stream, _frameHeader);
        if (read == 0)
        {
            return false;
        }

        if (read < _frameHeader.Length)
        {
            IsTruncated = true;
            return false;
        }

        uint size = BinaryPrimitives.ReadUInt32LittleEndian(_frameHeader);
        long timestamp = BinaryPrimitives.ReadInt64LittleEndian(_frameHeader.AsSpan(4));
        if (size > MaxFrameSize)
        {
            throw new InvalidDataException($"Corrupt IVF file: a frame claims {size} bytes (limit {MaxFrameSize}).");
        }

        var data = new byte[size];
        if (StreamReading.ReadFully(_stream, data) < data.Length)
        {
            IsTruncated = true;
            return false;
        }

        frame = new IvfFrame(timestamp, data);
        return true;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
