namespace Sluice.Rtc.Congestion;

/// <summary>
/// Groups acknowledged packets into send-time bursts and yields, for each pair of consecutive complete groups,
/// the send delta and the arrival delta (draft-ietf-rmcat-gcc-02 §5.2). Times in microseconds: send times on
/// our clock, arrival times on the receiver's.
/// </summary>
internal sealed class InterArrival
{
    /// <summary>Packets sent within this span of a group's first packet belong to the group (gcc-02 §5.2: 5 ms).</summary>
    internal const long BurstMicros = 5_000;

    /// <summary>
    /// A delay variation beyond this between two groups is not queuing but a clock jump or a broken report:
    /// the grouping restarts instead of feeding the trendline.
    /// </summary>
    internal const long MaxDelayJumpMicros = 3_000_000;

    private Group _current;
    private Group _previous;

    /// <summary>Times the grouping restarted on a jump or a backwards arrival; read by tests.</summary>
    internal long Resets { get; private set; }

    internal void Reset()
    {
        _current = default;
        _previous = default;
    }

    /// <summary>
    /// Adds a packet, in arrival order. Returns true when it starts a new group and so completes one: the deltas
    /// are then between the last two complete groups, and <paramref name="groupArrival"/> is the completed
    /// group's last arrival.
    /// </summary>
    internal bool Add(long sendMicros, long arrivalMicros, out long sendDelta, out long arrivalDelta, out long groupArrival)
    {
        sendDelta = 0;
        arrivalDelta = 0;
        groupArrival = 0;
        if (!_current.Valid)
        {
            _current = Group.Start(sendMicros, arrivalMicros);
            return false;
        }

        if (sendMicros < _current.FirstSend)
        {
            // Sent before the group being filled: reordered on the way; it says nothing about the new delay.
            return false;
        }

        if (BelongsToCurrent(sendMicros, arrivalMicros))
        {
            _current.LastSend = Math.Max(_current.LastSend, sendMicros);
            _current.LastArrival = Math.Max(_current.LastArrival, arrivalMicros);
            return false;
        }

        bool produced = false;
        if (_previous.Valid)
        {
            sendDelta = _current.LastSend - _previous.LastSend;
            arrivalDelta = _current.LastArrival - _previous.LastArrival;
            if (arrivalDelta < 0 || Math.Abs(arrivalDelta - sendDelta) > MaxDelayJumpMicros)
            {
                Resets++;
                _previous = default;
                _current = Group.Start(sendMicros, arrivalMicros);
                return false;
            }

            groupArrival = _current.LastArrival;
            produced = true;
        }

        _previous = _current;
        _current = Group.Start(sendMicros, arrivalMicros);
        return produced;
    }

    private bool BelongsToCurrent(long sendMicros, long arrivalMicros)
    {
        if (sendMicros - _current.FirstSend <= BurstMicros)
        {
            return true;
        }

        // A burst: packets that queued somewhere and came out back to back (arriving within 5 ms, and sooner
        // after the previous one than they were sent) are one group too, so a flushed queue is not read as a drop
        // in delay.
        long arrivalGap = arrivalMicros - _current.LastArrival;
        long sendGap = sendMicros - _current.LastSend;
        return arrivalGap >= 0 && arrivalGap <= BurstMicros && arrivalGap < sendGap;
    }

    private struct Group
    {
        public bool Valid;
        public long FirstSend;
        public long LastSend;
        public long LastArrival;

        public static Group Start(long send, long arrival) => new() { Valid = true, FirstSend = send, LastSend = send, LastArrival = arrival };
    }
}
