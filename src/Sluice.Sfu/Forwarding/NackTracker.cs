namespace Sluice.Sfu.Forwarding;

/// <summary>
/// Which of a publisher's packets are missing, and when to ask for them again (RFC 4585 §6.2.1 NACK).
/// Fixed arrays: recording arrivals and collecting due requests never allocate. Used by one thread.
/// </summary>
public sealed class NackTracker
{
    private const int Capacity = 256;

    private readonly long[] _missing = new long[Capacity];
    private readonly long[] _lastAskedAt = new long[Capacity];
    private readonly int[] _tries = new int[Capacity];
    private readonly TimeProvider _time;
    private int _count;
    private long _highest = -1;

    public NackTracker(TimeProvider time) => _time = time;

    /// <summary>How often one packet is asked for before it is given up.</summary>
    public int MaxTries { get; init; } = 4;

    /// <summary>The wait between two requests for the same packet.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(40);

    public int MissingCount => _count;

    /// <summary>Records the arrival of an extended sequence number; a jump ahead makes the skipped ones missing.</summary>
    public void OnArrival(long extendedSequenceNumber)
    {
        if (_highest < 0)
        {
            _highest = extendedSequenceNumber;
            return;
        }

        if (extendedSequenceNumber > _highest)
        {
            // A burst longer than the tracker holds is beyond repair by NACK: keep only the newest gap.
            var from = Math.Max(_highest + 1, extendedSequenceNumber - Capacity);
            for (var missing = from; missing < extendedSequenceNumber; missing++)
            {
                Add(missing);
            }

            _highest = extendedSequenceNumber;
            return;
        }

        Remove(extendedSequenceNumber);
    }

    /// <summary>
    /// Writes the sequence numbers due for a (re)request into <paramref name="due"/>, ascending, and returns
    /// how many; packets asked for <see cref="MaxTries"/> times are dropped.
    /// </summary>
    public int CollectDue(Span<ushort> due)
    {
        var now = _time.GetTimestamp();
        var written = 0;
        for (var i = 0; i < _count && written < due.Length;)
        {
            if (_tries[i] >= MaxTries)
            {
                RemoveAt(i);
                continue;
            }

            if (_tries[i] == 0 || _time.GetElapsedTime(_lastAskedAt[i], now) >= RetryInterval)
            {
                _tries[i]++;
                _lastAskedAt[i] = now;
                due[written++] = (ushort)_missing[i];
            }

            i++;
        }

        return written;
    }

    public void Reset()
    {
        _count = 0;
        _highest = -1;
    }

    private void Add(long extendedSequenceNumber)
    {
        if (_count == Capacity)
        {
            RemoveAt(0);
        }

        _missing[_count] = extendedSequenceNumber;
        _tries[_count] = 0;
        _lastAskedAt[_count] = 0;
        _count++;
    }

    private void Remove(long extendedSequenceNumber)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_missing[i] == extendedSequenceNumber)
            {
                RemoveAt(i);
                return;
            }
        }
    }

    private void RemoveAt(int index)
    {
        var tail = _count - index - 1;
        Array.Copy(_missing, index + 1, _missing, index, tail);
        Array.Copy(_lastAskedAt, index + 1, _lastAskedAt, index, tail);
        Array.Copy(_tries, index + 1, _tries, index, tail);
        _count--;
    }
}
