namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Packs status symbols into packet chunks (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.2-§3.1.4)
/// one symbol at a time, without look-ahead: symbols gather until they fit no chunk kind any more, then the
/// best chunk for the gathered ones is emitted (a run if they are all equal, else a 1-bit or 2-bit vector).
/// </summary>
internal struct TransportCcChunkEncoder
{
    private const int OneBitCapacity = 14;
    private const int TwoBitCapacity = 7;
    private const int MaxRunLength = 0x1FFF;

    // Up to 14 pending symbols, 2 bits each, first symbol in the low bits; longer only while all are equal.
    private uint _symbols;
    private int _size;
    private bool _allSame;
    private bool _hasLarge;

    /// <summary>Number of chunks emitted so far.</summary>
    public int ChunkCount { get; private set; }

    /// <summary>Chunks the encoder will have emitted after <see cref="Flush"/>.</summary>
    public readonly int FinalChunkCount => ChunkCount + (_size > 0 ? 1 : 0);

    private readonly int First => (int)(_symbols & 3);

    /// <summary>Adds a symbol; writes any chunk it completes into <paramref name="chunks"/> (empty to only count).</summary>
    public void Add(int symbol, Span<byte> chunks)
    {
        if (!CanAdd(symbol))
        {
            Emit(chunks);
        }

        if (_size < OneBitCapacity)
        {
            _symbols |= (uint)symbol << (2 * _size);
        }

        _allSame = _size == 0 || (_allSame && symbol == First);
        _hasLarge |= symbol == (int)TransportCcStatus.ReceivedLargeDelta;
        _size++;
    }

    /// <summary>Emits the pending symbols as a last chunk.</summary>
    public void Flush(Span<byte> chunks)
    {
        if (_size == 0)
        {
            return;
        }

        if (_allSame)
        {
            Put(chunks, RunLength());
        }
        else if (_size <= TwoBitCapacity)
        {
            Put(chunks, TwoBitVector(_size));
        }
        else
        {
            Put(chunks, OneBitVector(_size));
        }

        Clear();
    }

    private readonly bool CanAdd(int symbol) =>
        _size < TwoBitCapacity
        || (_size < OneBitCapacity && !_hasLarge && symbol != (int)TransportCcStatus.ReceivedLargeDelta)
        || (_size < MaxRunLength && _allSame && symbol == First);

    private void Emit(Span<byte> chunks)
    {
        if (_allSame)
        {
            Put(chunks, RunLength());
            Clear();
        }
        else if (_size == OneBitCapacity && !_hasLarge)
        {
            Put(chunks, OneBitVector(OneBitCapacity));
            Clear();
        }
        else
        {
            // Between 7 and 13 mixed symbols and a large delta is coming (or present): send 7, keep the rest.
            Put(chunks, TwoBitVector(TwoBitCapacity));
            _symbols >>= 2 * TwoBitCapacity;
            _size -= TwoBitCapacity;
            _allSame = true;
            _hasLarge = false;
            for (int i = 0; i < _size; i++)
            {
                int symbol = (int)((_symbols >> (2 * i)) & 3);
                _allSame &= symbol == First;
                _hasLarge |= symbol == (int)TransportCcStatus.ReceivedLargeDelta;
            }
        }
    }

    private readonly ushort RunLength() => (ushort)((First << 13) | _size);

    private readonly ushort OneBitVector(int count)
    {
        int chunk = 0x8000;
        for (int i = 0; i < count; i++)
        {
            chunk |= (int)((_symbols >> (2 * i)) & 1) << (13 - i);
        }

        return (ushort)chunk;
    }

    private readonly ushort TwoBitVector(int count)
    {
        int chunk = 0xC000;
        for (int i = 0; i < count; i++)
        {
            chunk |= (int)((_symbols >> (2 * i)) & 3) << (12 - (2 * i));
        }

        return (ushort)chunk;
    }

    private void Put(Span<byte> chunks, ushort chunk)
    {
        if (!chunks.IsEmpty)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(chunks.Slice(2 * ChunkCount), chunk);
        }

        ChunkCount++;
    }

    private void Clear()
    {
        _symbols = 0;
        _size = 0;
        _allSame = true;
        _hasLarge = false;
    }
}
