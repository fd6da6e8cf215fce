using Sluice.Media.Codecs;

namespace Sluice.Media.Containers;

/// <summary>
/// Reads an H.264 Annex B byte stream (ITU-T H.264 §B.1) as access units: lists of NAL units without start codes.
/// </summary>
/// <remarks>
/// An access unit ends (§7.4.1.2.3) where, after a VCL NAL unit, comes an access unit delimiter (9), an SPS (7),
/// a PPS (8), an SEI (6), or a VCL NAL unit whose first_mb_in_slice is 0. An AUD always starts a new access unit.
/// The stream is read in chunks, so files of any length work.
/// </remarks>
public sealed class H264AnnexBReader : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>NAL units larger than this are treated as corrupt rather than buffered.</summary>
    public const int MaxNalSize = 64 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer = new byte[ChunkSize];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _synced;
    private byte[]? _lookahead;

    public H264AnnexBReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Reads the next access unit; false at the end of the stream.</summary>
    public bool TryReadAccessUnit(out IReadOnlyList<byte[]>? nalUnits)
    {
        var unit = new List<byte[]>();
        bool hasVcl = false;
        while (true)
        {
            byte[]? nal = _lookahead;
            _lookahead = null;
            if (nal is null && !TryReadNal(out nal))
            {
                break;
            }

            var type = H264Nal.TypeOf(nal![0]);
            bool startsNew = type == H264NalType.AccessUnitDelimiter
                ? unit.Count > 0
                : hasVcl && (type is H264NalType.Sps or H264NalType.Pps or H264NalType.Sei
                    || (H264Nal.IsVcl(type) && H264Nal.IsFirstSliceOfPicture(nal)));
            if (startsNew)
            {
                _lookahead = nal;
                break;
            }

            unit.Add(nal);
            hasVcl |= H264Nal.IsVcl(type);
        }

        nalUnits = unit.Count > 0 ? unit : null;
        return unit.Count > 0;
    }

    /// <summary>Reads the next non-empty NAL unit.</summary>
    public bool TryReadNal(out byte[]? nal)
    {
        nal = null;
        if (!_synced)
        {
            int first = FindStartCode();
            if (first < 0)
            {
                _start = _end;
                return false;
            }

            _start = first + 3;
            _synced = true;
        }

        while (true)
        {
            int next = FindStartCode();
            if (next < 0 && !_eof)
            {
                continue;
            }

            int end = AnnexB.TrimTrailingZeros(_buffer, _start, next < 0 ? _end : next);
            int begin = _start;
            _start = next < 0 ? _end : next + 3;
            if (end > begin)
            {
                nal = _buffer.AsSpan(begin, end - begin).ToArray();
                return true;
            }

            if (next < 0)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>Finds the next start code from <see cref="_start"/>, reading more data as needed; -1 at end of file.</summary>
    private int FindStartCode()
    {
        int searchFrom = _start;
        while (true)
        {
            int found = AnnexB.IndexOfStartCode(_buffer.AsSpan(0, _end), searchFrom);
            if (found >= 0)
            {
                return found;
            }

            if (_eof)
            {
                return -1;
            }

            // Keep two bytes: a start code may straddle the chunk boundary.
            int keep = Math.Max(_start, _end - 2) - _start;
            Fill();
            searchFrom = _start + keep;
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end + ChunkSize > _buffer.Length)
        {
            if (_buffer.Length >= MaxNalSize)
            {
                throw new InvalidDataException($"Corrupt H.264 stream: no start code within {MaxNalSize} bytes.");
            }

            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
