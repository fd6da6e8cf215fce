using System.Buffers.Binary;
using System.Text;

namespace Sluice.Media.Containers;

/// <summary>Writes an IVF file (see <see cref="IvfReader"/> for the layout).</summary>
public sealed class IvfWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _headerPosition;
    private readonly byte[] _frameHeader = new byte[IvfHeader.FrameHeaderLength];
    private bool _disposed;

    /// <param name="timebaseDenominator">Timestamps count 1/denominator × numerator seconds; 90000/1 takes RTP video timestamps as they are.</param>
    public IvfWriter(Stream stream, MediaCodec codec, int width, int height, int timebaseDenominator = 90000, int timebaseNumerator = 1, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timebaseDenominator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timebaseNumerator);

        _stream = stream;
        _leaveOpen = leaveOpen;
        _headerPosition = stream.CanSeek ? stream.Position : 0;
        Codec = codec;

        Span<byte> header = stackalloc byte[IvfHeader.Length];
        header.Clear();
        "DKIF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], IvfHeader.Length);
        Encoding.ASCII.GetBytes(IvfHeader.FourCcOf(codec), header.Slice(8, 4));
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], (ushort)height);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)timebaseDenominator);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)timebaseNumerator);
        stream.Write(header);
    }

    public MediaCodec Codec { get; }

    public int FrameCount { get; private set; }

    /// <param name="timestamp">In units of the timebase given to the constructor.</param>
    public void WriteFrame(ReadOnlySpan<byte> frame, long timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BinaryPrimitives.WriteUInt32LittleEndian(_frameHeader, (uint)frame.Length);
        BinaryPrimitives.WriteInt64LittleEndian(_frameHeader.AsSpan(4), timestamp);
        _stream.Write(_frameHeader);
        _stream.Write(frame);
        FrameCount++;
    }

    /// <summary>Patches the frame count into the header when the stream can seek, then closes it unless asked not to.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_stream.CanSeek && _stream.CanWrite)
        {
            long end = _stream.Position;
            Span<byte> count = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)FrameCount);
            _stream.Position = _headerPosition + 24;
            _stream.Write(count);
            _stream.Position = end;
        }

        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
