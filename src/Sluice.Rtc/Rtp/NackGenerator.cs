namespace Sluice.Rtc.Rtp;

/// <summary>
/// Which packets of one incoming stream are missing, and when to ask for them (Generic NACK, RFC 4585 §6.2.1).
/// Arrivals open and close gaps; <see cref="Tick"/> writes the sequence numbers due now, so requests are repeated
/// on the owner's clock even while no packet arrives (a stalled stream is when they matter most). A packet is
/// asked for after <see cref="ReorderDelay"/>, again every round trip (at least <see cref="MinRetryInterval"/>),
/// at most <see cref="MaxRetries"/> times and never after <see cref="MaxAge"/>.
/// </summary>
/// <remarks>
/// Fixed arrays sized once: memory is bounded and neither arrivals nor ticks allocate. A jump ahead by more than
/// the capacity cannot be repaired by NACK (the sender's cache is no deeper), so it resets the generator instead
/// of asking for thousands of packets. Not thread-safe: one thread at a time, the owner serialises.
/// </remarks>
public sealed class NackGenerator
{
    private readonly TimeProvider _time;
    private readonly long[] _missing;
    private readonly long[] _detectedAt;
    private readonly long[] _lastAskedAt;
    private readonly int[] _retries;
    private int _count;
    private long _highest = -1;

    /// <param name="capacity">How many missing packets are tracked at most (and the largest gap repaired).</param>
    public NackGenerator(TimeProvider time, int capacity = 512)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _time = time;
        _missing = new long[capacity];
        _detectedAt = new long[capacity];
        _lastAskedAt = new long[capacity];
        _retries = new int[capacity];
    }

    public int Capacity => _missing.Length;

    /// <summary>A gap younger than this is taken for reordering and not asked for yet.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.Zero;

    /// <summary>The round trip to the sender, as last measured: the wait before asking again.</summary>
    public TimeSpan RoundTripTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest wait between two requests for one packet, whatever the round trip.</summary>
    public TimeSpan MinRetryInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often one packet is asked for before it is given up.</summary>
    public int MaxRetries { get; init; } = 10;

    /// <summary>A packet missing for longer is given up: too late to be of use.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Packets awaited now.</summary>
    public int MissingCount => _count;

    /// <summary>How many times a jump larger than the capacity reset the generator.</summary>
    public long Resets { get; private set; }

    /// <summary>Records the arrival of <paramref name="extendedSequenceNumber"/>: a jump ahead makes the skipped ones missing.</summary>
    public void OnPacket(long extendedSequenceNumber, long now)
    {
        if (_highest < 0 || extendedSequenceNumber - _highest > Capacity)
        {
            if (_highest >= 0)
            {
                Resets++;
            }

            _count = 0;
            _highest = extendedSequenceNumber;
            return;
        }

        if (extendedSequenceNumber <= _highest)
        {
            Remove(extendedSequenceNumber);
            return;
        }

        for (var missing = _highest + 1; missing < extendedSequenceNumber; missing++)
        {
            Add(missing, now);
        }

        _highest = extendedSequenceNumber;
    }

    /// <summary>
    /// Marks the <paramref name="count"/> packets before the first one as missing, when the first packet is known
    /// not to start the stream (a frame began before we joined): the sender's cache may still hold them.
    /// </summary>
    public void AddMissingBefore(long extendedSequenceNumber, int count, long now)
    {
        _count = 0;
        var from = Math.Max(0, extendedSequenceNumber - Math.Min(count, Capacity));
        for (var missing = from; missing < extendedSequenceNumber; missing++)
        {
            Add(missing, now);
        }

        _highest = extendedSequenceNumber;
    }

    /// <summary>
    /// Writes the sequence numbers due for a request now into <paramref name="due"/>, ascending (as a Generic NACK
    /// wants them), and returns how many; gives up packets past <see cref="MaxRetries"/> or <see cref="MaxAge"/>.
    /// </summary>
    public int Tick(long now, Span<ushort> due)
    {
        var interval = RoundTripTime > MinRetryInterval ? RoundTripTime : MinRetryInterval;
        var written = 0;
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            var age = _time.GetElapsedTime(_detectedAt[i], now);
            if (_retries[i] >= MaxRetries || age >= MaxAge)
            {
                continue;
            }

            if (written < due.Length && age >= ReorderDelay
                && (_retries[i] == 0 || _time.GetElapsedTime(_lastAskedAt[i], now) >= interval))
            {
                _retries[i]++;
                _lastAskedAt[i] = now;
                due[written++] = (ushort)_missing[i];
            }

            Move(i, kept++);
        }

        _count = kept;
        return written;
    }

    /// <summary>Forgets everything: a new sequence space (a new SSRC, a restarted sender).</summary>
    public void Reset()
    {
        _count = 0;
        _highest = -1;
    }

    private void Add(long extendedSequenceNumber, long now)
    {
        if (_count == Capacity)
        {
            // Full: the oldest is the least likely to arrive in time.
            for (var i = 1; i < _count; i++)
            {
                Move(i, i - 1);
            }

            _count--;
        }

        _missing[_count] = extendedSequenceNumber;
        _detectedAt[_count] = now;
        _lastAskedAt[_count] = now;
        _retries[_count] = 0;
        _count++;
    }

    private void Remove(long extendedSequenceNumber)
    {
        // Ascending: gaps are added in order.
        var index = Array.BinarySearch(_missing, 0, _count, extendedSequenceNumber);
        if (index < 0)
        {
            return;
        }

        for (var i = index + 1; i < _count; i++)
        {
            Move(i, i - 1);
        }

        _count--;
    }

    private void Move(int from, int to)
    {
        _missing[to] = _missing[from];
        _detectedAt[to] = _detectedAt[from];
        _lastAskedAt[to] = _lastAskedAt[from];
        _retries[to] = _retries[from];
    }
}
