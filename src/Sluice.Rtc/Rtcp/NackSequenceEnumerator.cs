using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>Expands Generic NACK PID/BLP pairs (RFC 4585 §6.2.1) into lost sequence numbers.</summary>
public ref struct NackSequenceEnumerator
{
    private readonly ReadOnlySpan<byte> _pairs;
    private int _pairOffset;
    private int _bit;

    /// <summary>Enumerates <paramref name="pairs"/>: the FCI, a multiple of 4 bytes.</summary>
    public NackSequenceEnumerator(ReadOnlySpan<byte> pairs)
    {
        _pairs = pairs;
        _pairOffset = 0;
        _bit = -1;
        Current = 0;
    }

    /// <summary>The current lost sequence number.</summary>
    public ushort Current { readonly get; private set; }

    /// <summary>Returns this enumerator, so <c>foreach</c> works on it directly.</summary>
    public readonly NackSequenceEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next lost sequence number.</summary>
    public bool MoveNext()
    {
        while (_pairOffset + 4 <= _pairs.Length)
        {
            ushort pid = BinaryPrimitives.ReadUInt16BigEndian(_pairs.Slice(_pairOffset));
            if (_bit < 0)
            {
                _bit = 0;
                Current = pid;
                return true;
            }

            ushort blp = BinaryPrimitives.ReadUInt16BigEndian(_pairs.Slice(_pairOffset + 2));
            while (_bit < 16)
            {
                int bit = _bit++;
                if ((blp & (1 << bit)) != 0)
                {
                    Current = (ushort)(pid + bit + 1);
                    return true;
                }
            }

            _pairOffset += 4;
            _bit = -1;
        }

        return false;
    }
}
