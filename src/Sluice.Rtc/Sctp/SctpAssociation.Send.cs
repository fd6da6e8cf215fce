namespace Sluice.Rtc.Sctp;

/// <summary>Why <see cref="SctpAssociation.Send"/> refused a message.</summary>
public enum SctpSendResult
{
    Queued,
    NotEstablished,
    TooLarge,
    BufferFull,
    StreamClosing,
}

public sealed partial class SctpAssociation
{
    private const int DataChunkOverhead = 4 + DataChunk.HeaderLength;
    private const int FastRetransmitThreshold = 3;

    /// <summary>
    /// DATA packets sent at once, however open the windows (RFC 9260 §6.1 rule D's Max.Burst, 4 as dcsctp uses):
    /// the rest follows the SACKs, so a burst never overflows a peer's socket buffer (Chromium's is 128 KiB).
    /// </summary>
    private const int MaxBurst = 4;

    private readonly Queue<OutboundChunk> _sendQueue = new();
    private readonly List<OutboundChunk> _inflight = [];
    private readonly Dictionary<ushort, ushort> _nextSsn = [];
    private readonly Dictionary<ushort, long> _buffered = [];

    private long _nextTsn;
    private long _cumulativeAcked;
    private long _advancedPeerAckPoint;
    private long _flightSize;
    private long _peerRwnd;
    private long _cwnd;
    private long _ssthresh = long.MaxValue;
    private long _partialBytesAcked;
    private bool _inFastRecovery;
    private long _fastRecoveryExit;
    private long _t3Expiry = long.MaxValue;
    private int _errorCount;
    private bool _forwardTsnPending;
    private long _lastProgress;

    private TimeSpan _rto;
    private TimeSpan _srtt;
    private TimeSpan _rttvar;
    private bool _haveRtt;

    /// <summary>The largest user data in one DATA chunk of a full packet.</summary>
    private int MaxDataPerPacket => _options.MaxPacketSize - SctpPacket.HeaderLength - DataChunkOverhead;

    /// <summary>Bytes queued or in flight on <paramref name="stream"/>, not yet acknowledged (a channel's bufferedAmount).</summary>
    public long BufferedAmount(ushort stream)
    {
        lock (_lock)
        {
            return _buffered.GetValueOrDefault(stream);
        }
    }

    /// <summary>
    /// Queues one message. <paramref name="maxRetransmits"/> or <paramref name="lifetime"/> make it partially reliable
    /// (RFC 3758; ignored when the peer does not support it). <paramref name="bufferLimit"/> bounds what the stream may
    /// hold unacknowledged: a message that would pass it is refused (<see cref="SctpSendResult.BufferFull"/>).
    /// </summary>
    public SctpSendResult Send(ushort stream, uint ppid, ReadOnlySpan<byte> message, bool ordered = true, int? maxRetransmits = null,
        TimeSpan? lifetime = null, long bufferLimit = long.MaxValue, int maxMessageSize = int.MaxValue, bool flush = true)
    {
        if (message.Length > maxMessageSize)
        {
            Interlocked.Increment(ref Stats._oversizedMessages);
            return SctpSendResult.TooLarge;
        }

        lock (_lock)
        {
            if (!IsUp || _state != SctpState.Established)
            {
                return SctpSendResult.NotEstablished;
            }

            if (_resettingOutgoing.Contains(stream))
            {
                return SctpSendResult.StreamClosing;
            }

            var buffered = _buffered.GetValueOrDefault(stream);
            if (buffered + message.Length > bufferLimit)
            {
                return SctpSendResult.BufferFull;
            }

            var data = message.ToArray();
            var partial = _peerSupportsForwardTsn && (maxRetransmits is not null || lifetime is not null);
            var outbound = new OutboundMessage(stream, ppid, data, !ordered,
                partial ? maxRetransmits ?? -1 : -1,
                partial && lifetime is { } life ? _time.GetTimestamp() + Ticks(life) : long.MaxValue);
            var chunkSize = MaxDataPerPacket;
            var offset = 0;
            do
            {
                var length = Math.Min(chunkSize, data.Length - offset);
                var flags = (byte)((ordered ? 0 : DataChunk.Unordered) | (offset == 0 ? DataChunk.Beginning : 0) | (offset + length == data.Length ? DataChunk.Ending : 0));
                _sendQueue.Enqueue(new OutboundChunk(outbound, offset, length, flags));
                offset += length;
            }
            while (offset < data.Length);

            _buffered[stream] = buffered + data.Length;
            Interlocked.Increment(ref Stats._messagesSent);
            Interlocked.Add(ref Stats._bytesSent, data.Length);
            if (flush)
            {
                FlushLocked();
            }
        }

        return SctpSendResult.Queued;
    }

    /// <summary>
    /// Sends what <see cref="Send"/> queued with <c>flush: false</c>: a caller sending several messages at once
    /// (a relay forwarding one packet's worth) gets them bundled into as few packets as they fit.
    /// </summary>
    public void Flush()
    {
        lock (_lock)
        {
            FlushLocked();
        }
    }

    private void ResetOutboundSequence()
    {
        _nextTsn = _localInitialTsn;
        _cumulativeAcked = _localInitialTsn - 1L;
        _advancedPeerAckPoint = _cumulativeAcked;
        _nextRequestSequence = _localInitialTsn;
    }

    private void ClearOutbound()
    {
        _sendQueue.Clear();
        _inflight.Clear();
        _buffered.Clear();
        _flightSize = 0;
        _t3Expiry = long.MaxValue;
    }

    /// <summary>
    /// Sends what is due, bundled into as few packets as possible: a SACK when one is owed, FORWARD-TSN, stream
    /// reset requests, chunks marked for retransmission, then new chunks while the congestion and receive windows
    /// allow (RFC 9260 §6.1).
    /// </summary>
    private void FlushLocked()
    {
        if (!IsUp)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var writer = NewPacket();
        if (_sackDue)
        {
            WriteSack(ref writer);
        }

        if (_forwardTsnPending)
        {
            WriteForwardTsn(ref writer);
        }

        WriteReconfig(ref writer, now);

        // Retransmissions first: after a timeout one packet's worth; after fast retransmit what is marked.
        var sentAny = false;
        var packets = 0;
        for (var i = 0; i < _inflight.Count; i++)
        {
            var chunk = _inflight[i];
            if (!chunk.Retransmit || chunk.Abandoned)
            {
                continue;
            }

            if (sentAny && _flightSize >= _cwnd)
            {
                break;
            }

            if (!writer.Fits(DataChunkOverhead - 4 + chunk.Length))
            {
                if (++packets >= MaxBurst)
                {
                    break;
                }

                Send(ref writer);
            }

            WriteDataChunk(ref writer, chunk);
            chunk.Retransmit = false;
            chunk.SentAt = now;
            chunk.Transmissions++;
            _flightSize += chunk.Length;
            Interlocked.Increment(ref Stats._retransmissions);
            sentAny = true;
        }

        while (_sendQueue.Count > 0)
        {
            var chunk = _sendQueue.Peek();
            if (chunk.Message.Abandoned || (chunk.Message.FirstTsn < 0 && now >= chunk.Message.ExpiresAt))
            {
                // Never sent, or its message was abandoned: dropped without a TSN (RFC 3758 §3.5).
                _sendQueue.Dequeue();
                Abandon(chunk.Message);
                continue;
            }

            // The receive window (RFC 9260 §6.1 rule A: one chunk may probe a closed window) and cwnd (rule B).
            var windowOpen = _peerRwnd >= chunk.Length || _flightSize == 0;
            if (!windowOpen || _flightSize >= _cwnd)
            {
                break;
            }

            var needsPacket = !writer.Fits(DataChunkOverhead - 4 + chunk.Length);
            if (needsPacket && packets + 1 >= MaxBurst)
            {
                break;
            }

            _sendQueue.Dequeue();
            if (chunk.Message.FirstTsn < 0)
            {
                chunk.Message.FirstTsn = _nextTsn;
                if (!chunk.Message.Unordered)
                {
                    var ssn = _nextSsn.GetValueOrDefault(chunk.Message.Stream);
                    chunk.Message.Ssn = ssn;
                    _nextSsn[chunk.Message.Stream] = (ushort)(ssn + 1);
                }
            }

            chunk.Tsn = _nextTsn++;
            chunk.SentAt = now;
            chunk.Transmissions = 1;
            if (_inflight.Count == 0)
            {
                _lastProgress = now;
            }

            _inflight.Add(chunk);
            _flightSize += chunk.Length;
            _peerRwnd = Math.Max(0, _peerRwnd - chunk.Length);
            if (needsPacket)
            {
                packets++;
                Send(ref writer);
            }

            WriteDataChunk(ref writer, chunk);
        }

        if (writer.ChunkCount > 0)
        {
            Send(ref writer);
        }

        if (_inflight.Count > 0 && _t3Expiry == long.MaxValue)
        {
            _t3Expiry = now + Ticks(_rto);
        }
    }

    /// <summary>A packet to the peer, with its verification tag unless another is given (INIT's 0, an answer to an INIT).</summary>
    private SctpPacketWriter NewPacket(uint? verificationTag = null) =>
        new(_packet, _options.LocalPort, _options.RemotePort, verificationTag ?? _peerTag);

    private void Send(ref SctpPacketWriter writer)
    {
        if (writer.ChunkCount > 0)
        {
            Output(writer.Finish());
        }

        writer = NewPacket();
    }

    private static void WriteDataChunk(ref SctpPacketWriter writer, OutboundChunk chunk)
    {
        var message = chunk.Message;
        writer.WriteData(chunk.Flags, (uint)chunk.Tsn, message.Stream, message.Unordered ? (ushort)0 : message.Ssn, message.Ppid,
            message.Data.AsSpan(chunk.Offset, chunk.Length));
    }

    /// <summary>A SACK from the peer (RFC 9260 §6.2.1, §7.2).</summary>
    private void OnSack(in SackChunk sack)
    {
        if (!IsUp)
        {
            return;
        }

        var cumulative = Unwrap(sack.CumulativeTsnAck, _cumulativeAcked);
        if (cumulative < _cumulativeAcked || cumulative >= _nextTsn)
        {
            // Older than what we know, or acknowledging TSNs never sent: out of order or bogus (§6.2.1 D).
            return;
        }

        var now = _time.GetTimestamp();
        long newlyAcked = 0;
        // Whether the window was in use when this SACK came: cwnd grows only then (§7.2.1, §7.2.2).
        var cwndFull = _flightSize + MaxDataPerPacket >= _cwnd;
        TimeSpan? rtt = null;
        var cumulativeAdvanced = cumulative > _cumulativeAcked;

        // The highest TSN this SACK acknowledges for the first time (HTNA, §7.2.4): only chunks below it are missed.
        long highestNewlyAcked = -1;

        // Cumulatively acknowledged chunks leave the flight.
        var removed = 0;
        while (removed < _inflight.Count && _inflight[removed].Tsn <= cumulative)
        {
            var chunk = _inflight[removed];
            if (!chunk.GapAcked && !chunk.Abandoned)
            {
                highestNewlyAcked = chunk.Tsn;
                newlyAcked += chunk.Length;
                if (!chunk.Retransmit)
                {
                    _flightSize -= chunk.Length;
                }

                if (chunk.Transmissions == 1)
                {
                    rtt = _time.GetElapsedTime(chunk.SentAt, now);
                }
            }

            Delivered(chunk);
            removed++;
        }

        _inflight.RemoveRange(0, removed);
        _cumulativeAcked = cumulative;
        if (_advancedPeerAckPoint < cumulative)
        {
            _advancedPeerAckPoint = cumulative;
        }

        // Gap blocks: acknowledged above the cumulative point.
        for (var g = 0; g < sack.GapBlockCount; g++)
        {
            var (start, end) = sack.GapBlock(g);
            if (start == 0 || end < start)
            {
                continue;
            }

            // The flight holds consecutive TSNs from its first chunk on: a block maps to an index range directly.
            if (_inflight.Count == 0)
            {
                break;
            }

            var first = _inflight[0].Tsn;
            var fromIndex = (int)Math.Max(0, cumulative + start - first);
            var toIndex = (int)Math.Min(_inflight.Count - 1, cumulative + end - first);
            for (var i = fromIndex; i <= toIndex; i++)
            {
                var chunk = _inflight[i];
                if (!chunk.GapAcked)
                {
                    chunk.GapAcked = true;
                    highestNewlyAcked = Math.Max(highestNewlyAcked, chunk.Tsn);
                    if (!chunk.Abandoned)
                    {
                        newlyAcked += chunk.Length;
                        if (!chunk.Retransmit)
                        {
                            _flightSize -= chunk.Length;
                        }

                        chunk.Retransmit = false;
                        if (chunk.Transmissions == 1)
                        {
                            rtt = _time.GetElapsedTime(chunk.SentAt, now);
                        }
                    }
                }
            }
        }

        if (rtt is { } sample)
        {
            UpdateRto(sample);
        }

        if (_inFastRecovery && cumulative >= _fastRecoveryExit)
        {
            _inFastRecovery = false;
        }

        // Miss indications (§7.2.4): a chunk below the highest newly acknowledged TSN is missed; three make a fast
        // retransmit, at most once per chunk (after that only T3 resends it), and one cwnd reduction per loss event.
        var fastRetransmit = false;
        foreach (var chunk in _inflight)
        {
            if (chunk.Tsn >= highestNewlyAcked)
            {
                break;
            }

            if (chunk.GapAcked || chunk.Abandoned || chunk.Retransmit || chunk.FastRetransmitted)
            {
                continue;
            }

            if (++chunk.Misses >= FastRetransmitThreshold)
            {
                chunk.Misses = 0;
                chunk.FastRetransmitted = true;
                if (ShouldAbandon(chunk, now))
                {
                    Abandon(chunk.Message);
                    continue;
                }

                chunk.Retransmit = true;
                _flightSize -= chunk.Length;
                fastRetransmit = true;
                Interlocked.Increment(ref Stats._fastRetransmits);
            }
        }

        if (fastRetransmit && !_inFastRecovery)
        {
            _ssthresh = Math.Max(_cwnd / 2, 4L * MaxDataPerPacket);
            _cwnd = _ssthresh;
            _partialBytesAcked = 0;
            _inFastRecovery = true;
            _fastRecoveryExit = _nextTsn - 1;
        }
        else if (cumulativeAdvanced && !_inFastRecovery && newlyAcked > 0 && cwndFull)
        {
            // Slow start, then congestion avoidance (§7.2.1, §7.2.2).
            if (_cwnd <= _ssthresh)
            {
                _cwnd += Math.Min(newlyAcked, MaxDataPerPacket);
            }
            else
            {
                _partialBytesAcked += newlyAcked;
                if (_partialBytesAcked >= _cwnd)
                {
                    _partialBytesAcked -= _cwnd;
                    _cwnd += MaxDataPerPacket;
                }
            }
        }

        _peerRwnd = Math.Max(0, sack.AdvertisedReceiverWindow - _flightSize);
        if (cumulativeAdvanced)
        {
            _errorCount = 0;
            _lastProgress = now;
        }

        // T3-rtx (§6.3.2 R2, R3): stopped when nothing is outstanding, restarted when the earliest is acknowledged.
        if (_flightSize <= 0 && !_inflight.Exists(c => c.Retransmit))
        {
            _t3Expiry = _inflight.Count > 0 && _inflight.Exists(c => !c.GapAcked && !c.Abandoned) ? now + Ticks(_rto) : long.MaxValue;
        }
        else if (cumulativeAdvanced)
        {
            _t3Expiry = now + Ticks(_rto);
        }

        AdvancePeerAckPoint();
    }

    private void TickRetransmission(long now)
    {
        ExpireLifetimes(now);
        if (now < _t3Expiry)
        {
            return;
        }

        _t3Expiry = long.MaxValue;
        if (_inflight.Count == 0)
        {
            return;
        }

        // T3-rtx expired (§6.3.3): back off, collapse cwnd, mark every unacknowledged chunk.
        Interlocked.Increment(ref Stats._timeouts);
        if (++_errorCount > _options.MaxRetransmissions)
        {
            Close(SctpCloseReason.TooManyRetransmissions);
            return;
        }

        _ssthresh = Math.Max(_cwnd / 2, 4L * MaxDataPerPacket);
        _cwnd = MaxDataPerPacket;
        _partialBytesAcked = 0;
        _inFastRecovery = false;
        _rto = Clamp(_rto * 2);
        foreach (var chunk in _inflight)
        {
            if (chunk.GapAcked || chunk.Abandoned || chunk.Retransmit)
            {
                continue;
            }

            if (ShouldAbandon(chunk, now))
            {
                Abandon(chunk.Message);
                continue;
            }

            chunk.Retransmit = true;
            _flightSize -= chunk.Length;
        }

        if (_flightSize < 0)
        {
            _flightSize = 0;
        }

        AdvancePeerAckPoint();
        if (_forwardTsnPending || _inflight.Exists(c => c.Retransmit))
        {
            _t3Expiry = now + Ticks(_rto);
        }

        if (_advancedPeerAckPoint > _cumulativeAcked)
        {
            // A FORWARD-TSN the peer has not acknowledged yet is resent with the retransmissions (RFC 3758 §3.5 C5).
            _forwardTsnPending = true;
        }
    }

    /// <summary>Abandons partially reliable messages whose lifetime passed while in flight (RFC 3758 §3.5 A3).</summary>
    private void ExpireLifetimes(long now)
    {
        var any = false;
        foreach (var chunk in _inflight)
        {
            if (!chunk.GapAcked && !chunk.Abandoned && now >= chunk.Message.ExpiresAt)
            {
                Abandon(chunk.Message);
                any = true;
            }
        }

        if (any)
        {
            AdvancePeerAckPoint();
        }
    }

    private static bool ShouldAbandon(OutboundChunk chunk, long now) =>
        (chunk.Message.MaxRetransmits >= 0 && chunk.Transmissions > chunk.Message.MaxRetransmits) || now >= chunk.Message.ExpiresAt;

    /// <summary>Marks every fragment of <paramref name="message"/> abandoned: in flight, they wait for FORWARD-TSN; queued, they are dropped.</summary>
    private void Abandon(OutboundMessage message)
    {
        if (message.Abandoned)
        {
            return;
        }

        message.Abandoned = true;
        Interlocked.Increment(ref Stats._abandonedMessages);
        foreach (var chunk in _inflight)
        {
            if (chunk.Message == message && !chunk.Abandoned)
            {
                chunk.Abandoned = true;
                if (!chunk.GapAcked && !chunk.Retransmit)
                {
                    _flightSize -= chunk.Length;
                }

                chunk.Retransmit = false;
                Delivered(chunk);
            }
        }

        // What never took a TSN (all of it, or the fragments still queued) is dropped with it: its bytes leave the
        // buffered amount now, as those in flight did above.
        Release(message.Stream, message.Data.Length - message.ReleasedBytes);
        message.ReleasedBytes = message.Data.Length;
    }

    /// <summary>Moves the advanced peer ack point over abandoned chunks and owes the peer a FORWARD-TSN if it moved (RFC 3758 §3.5 C1-C3).</summary>
    private void AdvancePeerAckPoint()
    {
        if (!_peerSupportsForwardTsn)
        {
            return;
        }

        var advanced = _advancedPeerAckPoint;
        foreach (var chunk in _inflight)
        {
            if (chunk.Tsn <= advanced)
            {
                continue;
            }

            if (chunk.Tsn == advanced + 1 && chunk.Abandoned)
            {
                advanced = chunk.Tsn;
                continue;
            }

            break;
        }

        if (advanced > _advancedPeerAckPoint)
        {
            _advancedPeerAckPoint = advanced;
            _forwardTsnPending = true;
        }
    }

    private void WriteForwardTsn(ref SctpPacketWriter writer)
    {
        _forwardTsnPending = false;
        if (_advancedPeerAckPoint <= _cumulativeAcked)
        {
            return;
        }

        // The highest SSN skipped on each ordered stream, so the peer stops waiting for it.
        Span<(ushort, ushort)> streams = stackalloc (ushort, ushort)[32];
        var count = 0;
        foreach (var chunk in _inflight)
        {
            if (chunk.Tsn > _advancedPeerAckPoint)
            {
                break;
            }

            if (chunk.Message.Unordered)
            {
                continue;
            }

            var found = false;
            for (var i = 0; i < count; i++)
            {
                if (streams[i].Item1 == chunk.Message.Stream)
                {
                    if ((short)(chunk.Message.Ssn - streams[i].Item2) > 0)
                    {
                        streams[i].Item2 = chunk.Message.Ssn;
                    }

                    found = true;
                    break;
                }
            }

            if (!found && count < streams.Length)
            {
                streams[count++] = (chunk.Message.Stream, chunk.Message.Ssn);
            }
        }

        if (!writer.Fits(4 + (count * 4)))
        {
            Send(ref writer);
        }

        writer.WriteForwardTsn((uint)_advancedPeerAckPoint, streams[..count]);
    }

    /// <summary>A chunk left the flight (acknowledged or abandoned): its bytes leave the stream's buffered amount.</summary>
    private void Delivered(OutboundChunk chunk)
    {
        if (chunk.Released)
        {
            return;
        }

        chunk.Released = true;
        chunk.Message.ReleasedBytes += chunk.Length;
        Release(chunk.Message.Stream, chunk.Length);
    }

    private void Release(ushort stream, long bytes)
    {
        if (bytes <= 0 || !_buffered.TryGetValue(stream, out var buffered))
        {
            return;
        }

        buffered -= bytes;
        if (buffered <= 0)
        {
            _buffered.Remove(stream);
        }
        else
        {
            _buffered[stream] = buffered;
        }
    }

    /// <summary>RTO from an RTT sample (RFC 9260 §6.3.1).</summary>
    private void UpdateRto(TimeSpan rtt)
    {
        if (!_haveRtt)
        {
            _srtt = rtt;
            _rttvar = rtt / 2;
            _haveRtt = true;
        }
        else
        {
            var delta = (_srtt - rtt).Duration();
            _rttvar = (_rttvar * 0.75) + (delta * 0.25);
            _srtt = (_srtt * 0.875) + (rtt * 0.125);
        }

        _rto = Clamp(_srtt + (_rttvar * 4));
    }

    /// <summary>The 64-bit TSN nearest to <paramref name="reference"/> for a 32-bit one (serial arithmetic, RFC 1982).</summary>
    private static long Unwrap(uint tsn, long reference) => reference + (int)(tsn - (uint)reference);

    private sealed class OutboundMessage(ushort stream, uint ppid, byte[] data, bool unordered, int maxRetransmits, long expiresAt)
    {
        public ushort Stream { get; } = stream;
        public uint Ppid { get; } = ppid;
        public byte[] Data { get; } = data;
        public bool Unordered { get; } = unordered;
        public int MaxRetransmits { get; } = maxRetransmits;
        public long ExpiresAt { get; } = expiresAt;
        public long FirstTsn { get; set; } = -1;
        public ushort Ssn { get; set; }
        public bool Abandoned { get; set; }
        public long ReleasedBytes { get; set; }
    }

    private sealed class OutboundChunk(OutboundMessage message, int offset, int length, byte flags)
    {
        public OutboundMessage Message { get; } = message;
        public int Offset { get; } = offset;
        public int Length { get; } = length;
        public byte Flags { get; } = flags;
        public long Tsn { get; set; }
        public long SentAt { get; set; }
        public int Transmissions { get; set; }
        public int Misses { get; set; }
        public bool GapAcked { get; set; }
        public bool Retransmit { get; set; }
        public bool FastRetransmitted { get; set; }
        public bool Abandoned { get; set; }
        public bool Released { get; set; }
    }
}
