namespace Sluice.Rtc.Rtp;

/// <summary>
/// The last packets of a stream, by sequence number, to answer NACKs (RFC 4585
/// §6.2.1) from what was sent or forwarded (the SFU answers subscribers without asking the publisher). A fixed ring of MTU-sized slots allocated once: storing and
/// looking up never allocate. One thread at a time (the owner serialises).
/// </summary>
public sealed class RetransmissionCache
{
    public const int SlotSize = 1500;

    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly int[] _sequenceNumbers;
    private readonly int _mask;

    /// <param name="capacity">A power of two; 1024 packets hold about five seconds of a 2 Mbit/s video track.</param>
    public RetransmissionCache(int capacity = 1024)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "capacity must be a power of two");
        }

        _slots = new byte[capacity * SlotSize];
        _lengths = new int[capacity];
        _sequenceNumbers = new int[capacity];
        _sequenceNumbers.AsSpan().Fill(-1);
        _mask = capacity - 1;
    }

    public int Capacity => _lengths.Length;

    /// <summary>Keeps a copy of <paramref name="packet"/>; a packet larger than a slot is not kept.</summary>
    public void Store(ushort sequenceNumber, ReadOnlySpan<byte> packet)
    {
        if (packet.Length > SlotSize)
        {
            return;
        }

        var slot = sequenceNumber & _mask;
        packet.CopyTo(_slots.AsSpan(slot * SlotSize, SlotSize));
        _lengths[slot] = packet.Length;
        _sequenceNumbers[slot] = sequenceNumber;
    }

    /// <summary>The packet with this sequence number, if it is still held.</summary>
    public bool TryGet(ushort sequenceNumber, out ReadOnlySpan<byte> packet)
    {
        var slot = sequenceNumber & _mask;
        if (_sequenceNumbers[slot] != sequenceNumber)
        {
            packet = default;
            return false;
        }

        packet = _slots.AsSpan(slot * SlotSize, _lengths[slot]);
        return true;
    }

    /// <summary>Forgets everything: the track's source changed, old sequence numbers mean other packets now.</summary>
    public void Clear() => _sequenceNumbers.AsSpan().Fill(-1);
}
