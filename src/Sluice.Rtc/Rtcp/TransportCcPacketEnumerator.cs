using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Walks the packet chunks and receive deltas of a validated transport-wide CC feedback
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), one packet status at a time.
/// </summary>
public ref struct TransportCcPacketEnumerator
{
    private readonly ReadOnlySpan<byte> _chunks;
    private readonly ReadOnlySpan<byte> _deltas;
    private int _chunkOffset;
    private int _indexInChunk;
    private int _deltaOffset;
    private int _remaining;
    private ushort _sequenceNumber;
    private long _timeTicks;

    internal TransportCcPacketEnumerator(ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas, ushort baseSequenceNumber, int statusCount, long referenceTicks)
    {
        _chunks = chunks;
        _deltas = deltas;
        _chunkOffset = 0;
        _indexInChunk = 0;
        _deltaOffset = 0;
        _remaining = statusCount;
        _sequenceNumber = baseSequenceNumber;
        _timeTicks = referenceTicks;
        Current = default;
    }

    /// <summary>The current packet status.</summary>
    public TransportCcPacketStatus Current { readonly get; private set; }

    /// <summary>Returns this enumerator, so <c>foreach</c> works on it directly.</summary>
    public readonly TransportCcPacketEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next packet status; false after the last one (or at inconsistent data).</summary>
    public bool MoveNext()
    {
        while (_remaining > 0 && _chunkOffset + 2 <= _chunks.Length)
        {
            int chunk = BinaryPrimitives.ReadUInt16BigEndian(_chunks.Slice(_chunkOffset));
            if (_indexInChunk >= TransportCcFeedback.ChunkCapacity(chunk))
            {
                _chunkOffset += 2;
                _indexInChunk = 0;
                continue;
            }

            int symbol = TransportCcFeedback.ChunkSymbol(chunk, _indexInChunk++);
            int delta = 0;
            if (symbol == (int)TransportCcStatus.ReceivedSmallDelta)
            {
                if (_deltaOffset + 1 > _deltas.Length)
                {
                    break;
                }

                delta = _deltas[_deltaOffset++];
            }
            else if (symbol == (int)TransportCcStatus.ReceivedLargeDelta)
            {
                if (_deltaOffset + 2 > _deltas.Length)
                {
                    break;
                }

                delta = BinaryPrimitives.ReadInt16BigEndian(_deltas.Slice(_deltaOffset));
                _deltaOffset += 2;
            }
            else if (symbol != (int)TransportCcStatus.NotReceived)
            {
                break;
            }

            _timeTicks += delta;
            Current = new TransportCcPacketStatus(_sequenceNumber, (TransportCcStatus)symbol, delta, _timeTicks * TransportCcFeedback.TickMicroseconds);
            _sequenceNumber++;
            _remaining--;
            return true;
        }

        _remaining = 0;
        return false;
    }
}
