namespace Sluice.Rtc.Congestion;

/// <summary>
/// Spreads one receiver's packets over time instead of sending them in bursts (a keyframe is dozens of packets
/// at once), as a browser's pacer does: packets leave at <see cref="PacingFactor"/> times the bandwidth estimate,
/// a few milliseconds' worth at once, the rest waits in a FIFO. The caller asks <see cref="TryTake"/> before sending a
/// packet that may wait and queues it (<see cref="Enqueue"/>) when that says no; <see cref="Dequeue"/> hands back what
/// has fallen due. Packets that never wait (audio, probes) are charged with <see cref="Charge"/>, so they come first
/// and the others make room. The queue never holds more than <see cref="MaxQueueMicros"/> of sending: when it would,
/// the rate rises to drain it in that time (and stays up until it is empty). One thread; the queue's memory is taken
/// once, when a rate is first set, and nothing allocates per packet.
/// </summary>
public sealed class Pacer
{
    /// <summary>The pacing rate as a multiple of the estimate: libwebrtc's pacing factor, room for bursts above the mean.</summary>
    public const double PacingFactor = 2.5;

    /// <summary>How much sending may leave at once, in time at the pacing rate.</summary>
    public const long BurstMicros = 5_000;

    /// <summary>The longest the queue may take to drain: it is sent faster than the pacing rate rather than wait more.</summary>
    public const long MaxQueueMicros = 500_000;

    // Room for a large keyframe above the burst; a packet that does not fit is dropped (and counted), as by a full link.
    private const int DefaultCapacity = 128 * 1024;

    // One packet is always allowed at once, however low the rate.
    private const int MinBurstBytes = 1_500;

    private readonly int _capacity;
    private byte[]? _ring;
    private int _head;
    private int _tail;
    private int _count;
    private long _queuedBytes;
    private long _debt;
    private long _lastUpdate;
    private long _rate;
    private long _drainRate;
    private long _dropped;
    private long _queuedTotal;

    public Pacer(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2 * 1_500);
        _capacity = capacity;
    }

    /// <summary>The pacing rate in bit/s; 0 paces nothing (every packet may leave at once). The first rate takes the queue's memory.</summary>
    public long Rate
    {
        get => _rate;
        set
        {
            _rate = Math.Max(0, value);
            if (_rate > 0)
            {
                _ring ??= GC.AllocateUninitializedArray<byte>(_capacity);
            }
        }
    }

    /// <summary>Packets waiting now.</summary>
    public int QueuedPackets => _count;

    /// <summary>Bytes waiting now.</summary>
    public long QueuedBytes => _queuedBytes;

    /// <summary>Packets that waited, since the start.</summary>
    public long QueuedTotal => Volatile.Read(ref _queuedTotal);

    /// <summary>Packets dropped because the queue was full, since the start.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>
    /// Whether a packet of <paramref name="length"/> bytes may leave now: nothing waits before it and the rate
    /// allows; when it may, it is charged as sent.
    /// </summary>
    public bool TryTake(long now, int length)
    {
        if (_rate == 0 && _count == 0)
        {
            return true;
        }

        Update(now);
        if (_count > 0 || _debt > Burst())
        {
            return false;
        }

        _debt += length;
        return true;
    }

    /// <summary>Charges a packet that left without waiting (audio, a probe): what waits leaves that much later.</summary>
    public void Charge(long now, int length)
    {
        if (_rate == 0 && _count == 0)
        {
            return;
        }

        Update(now);
        _debt += length;
    }

    /// <summary>Queues a copy of <paramref name="packet"/> behind those waiting; false (and counted) when the queue is full.</summary>
    public bool Enqueue(ReadOnlySpan<byte> packet)
    {
        if (packet.Length is 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(packet), packet.Length, "A queued packet holds 1 to 65535 bytes.");
        }

        _ring ??= GC.AllocateUninitializedArray<byte>(_capacity);
        var need = packet.Length + 2;
        int at;
        if (_count == 0)
        {
            _head = _tail = 0;
            at = 0;
        }
        else if (_tail > _head)
        {
            // Free: after the tail to the end, then before the head.
            if (_capacity - _tail >= need)
            {
                at = _tail;
            }
            else if (_head >= need)
            {
                if (_capacity - _tail >= 2)
                {
                    // A zero length says "go on from the start".
                    _ring[_tail] = 0;
                    _ring[_tail + 1] = 0;
                }

                at = 0;
            }
            else
            {
                return Drop();
            }
        }
        else if (_head - _tail >= need)
        {
            // (When the tail meets the head the ring is full; the count tells full from empty.)
            at = _tail;
        }
        else
        {
            return Drop();
        }

        if (at + need > _capacity)
        {
            return Drop();
        }

        _ring[at] = (byte)(packet.Length >> 8);
        _ring[at + 1] = (byte)packet.Length;
        packet.CopyTo(_ring.AsSpan(at + 2));
        _tail = at + need;
        _count++;
        _queuedBytes += packet.Length;
        _drainRate = Math.Max(_drainRate, _queuedBytes * 8 * 1_000_000 / MaxQueueMicros);
        Volatile.Write(ref _queuedTotal, _queuedTotal + 1);
        return true;
    }

    /// <summary>
    /// Copies the first waiting packet into <paramref name="destination"/> and charges it, when it is due by
    /// <paramref name="now"/>; returns its length, or 0 when nothing is due.
    /// </summary>
    public int Dequeue(long now, Span<byte> destination)
    {
        if (_count == 0)
        {
            return 0;
        }

        Update(now);
        if (_debt > Burst())
        {
            return 0;
        }

        var ring = _ring!;
        if (_capacity - _head < 2 || (ring[_head] | ring[_head + 1]) == 0)
        {
            _head = 0;
        }

        var length = (ring[_head] << 8) | ring[_head + 1];
        ring.AsSpan(_head + 2, length).CopyTo(destination);
        _head += length + 2;
        _count--;
        _queuedBytes -= length;
        _debt += length;
        if (_count == 0)
        {
            _head = _tail = 0;
            _drainRate = 0;
        }

        return length;
    }

    /// <summary>When the first waiting packet falls due (at once when nothing waits).</summary>
    public long NextDueAt(long now)
    {
        if (_count == 0)
        {
            return now;
        }

        Update(now);
        var excess = _debt - Burst();
        var rate = EffectiveRate();
        return excess <= 0 || rate == 0 ? now : now + (excess * 8_000_000 / rate) + 1;
    }

    /// <summary>Forgets what waits (the receiver is gone).</summary>
    public void Clear()
    {
        _count = 0;
        _head = _tail = 0;
        _queuedBytes = 0;
        _drainRate = 0;
    }

    private bool Drop()
    {
        Volatile.Write(ref _dropped, _dropped + 1);
        return false;
    }

    // The debt sent beyond the rate shrinks as time passes; no credit builds up while idle.
    private void Update(long now)
    {
        var elapsed = Math.Min(now - _lastUpdate, 10 * MaxQueueMicros);
        _lastUpdate = now;
        if (elapsed <= 0 || _debt == 0)
        {
            return;
        }

        var rate = EffectiveRate();
        _debt = rate == 0 ? 0 : Math.Max(0, _debt - (elapsed * rate / 8_000_000));
    }

    private long Burst() => Math.Max(MinBurstBytes, EffectiveRate() * BurstMicros / 8_000_000);

    // Fast enough to send what waits within the queue's limit: the rate its longest length needed holds until it is empty.
    private long EffectiveRate() => Math.Max(_rate, _drainRate);
}
