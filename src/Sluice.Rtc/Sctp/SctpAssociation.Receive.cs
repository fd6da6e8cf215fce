namespace Sluice.Rtc.Sctp;

public sealed partial class SctpAssociation
{
    /// <summary>TSNs held above the cumulative point at most: beyond it DATA is dropped unacknowledged.</summary>
    private const int MaxTsnsAhead = 65536;
    private const int MaxGapBlocks = 64;
    private const int MaxDuplicates = 16;

    private readonly SortedSet<long> _receivedAhead = [];
    private readonly Dictionary<long, InboundFragment> _fragments = [];
    private readonly Dictionary<ushort, InboundStream> _inboundStreams = [];
    private readonly List<uint> _duplicates = [];
    private long _peerCumulativeTsn;
    private long _bytesHeld;
    private readonly Queue<SctpMessage> _held = new();
    private long _heldBytes;
    private bool _deliveryPaused;
    private bool _sackPending;
    private bool _sackDue;
    private int _dataPacketsUnacked;
    private bool _dataInPacket;

    /// <summary>Bytes this end holds for the application (incomplete or out-of-order messages): what the window shrinks by.</summary>
    private long ReceiveWindowLeft => Math.Max(0, _options.ReceiveWindow - _bytesHeld);

    private void InitializeInbound(uint peerInitialTsn)
    {
        _peerCumulativeTsn = peerInitialTsn - 1L;
        _receivedAhead.Clear();
        _fragments.Clear();
        _inboundStreams.Clear();
        _duplicates.Clear();
        _bytesHeld = 0;
        _peerNextRequestSequence = peerInitialTsn;
    }

    /// <summary>DATA (RFC 9260 §6.2): acknowledge, detect duplicates, reassemble, deliver in SSN order per ordered stream.</summary>
    private void OnData(in DataChunk data)
    {
        if (!IsUp)
        {
            return;
        }

        _dataInPacket = true;
        Interlocked.Increment(ref Stats._dataChunksReceived);
        var tsn = Unwrap(data.Tsn, _peerCumulativeTsn);
        if (tsn <= _peerCumulativeTsn || _receivedAhead.Contains(tsn))
        {
            Interlocked.Increment(ref Stats._duplicateTsns);
            if (_duplicates.Count < MaxDuplicates)
            {
                _duplicates.Add(data.Tsn);
            }

            _sackDue = true;
            return;
        }

        // The next in-order TSN is taken even into a full window (it may complete what fills it), unless complete
        // messages held back for the application fill the window alone: then the peer must wait (flow control).
        if (tsn > _peerCumulativeTsn + MaxTsnsAhead
            || (_bytesHeld + data.UserData.Length > _options.ReceiveWindow && (tsn != _peerCumulativeTsn + 1 || _heldBytes >= _options.ReceiveWindow)))
        {
            // Past the window: dropped and not acknowledged, so the peer sends it again later (§6.2 "drop").
            Interlocked.Increment(ref Stats._dataDroppedWindow);
            _sackDue = true;
            return;
        }

        if (tsn == _peerCumulativeTsn + 1)
        {
            _peerCumulativeTsn = tsn;
            while (_receivedAhead.Count > 0 && _receivedAhead.Min == _peerCumulativeTsn + 1)
            {
                _peerCumulativeTsn++;
                _receivedAhead.Remove(_peerCumulativeTsn);
            }
        }
        else
        {
            _receivedAhead.Add(tsn);
            // Out of order: a gap to report at once (§6.7).
            _sackDue = true;
        }

        if ((data.Flags & DataChunk.Immediate) != 0)
        {
            _sackDue = true;
        }

        _fragments[tsn] = new InboundFragment(data.StreamId, data.Ssn, data.Ppid, data.Flags, data.UserData.ToArray());
        _bytesHeld += data.UserData.Length;
        TryAssemble(tsn);
        PerformDeferredReset();
    }

    /// <summary>Completes the message <paramref name="tsn"/> belongs to, if all its fragments are here (consecutive TSNs, B to E).</summary>
    private void TryAssemble(long tsn)
    {
        var fragment = _fragments[tsn];
        var first = tsn;
        while ((_fragments[first].Flags & DataChunk.Beginning) == 0)
        {
            if (!_fragments.TryGetValue(first - 1, out var previous) || previous.StreamId != fragment.StreamId || (previous.Flags & DataChunk.Ending) != 0)
            {
                return;
            }

            first--;
        }

        var last = tsn;
        while ((_fragments[last].Flags & DataChunk.Ending) == 0)
        {
            if (!_fragments.TryGetValue(last + 1, out var next) || next.StreamId != fragment.StreamId || (next.Flags & DataChunk.Beginning) != 0)
            {
                return;
            }

            last++;
        }

        byte[] message;
        if (first == last)
        {
            message = fragment.Data;
        }
        else
        {
            long length = 0;
            for (var t = first; t <= last; t++)
            {
                length += _fragments[t].Data.Length;
            }

            message = new byte[length];
            var at = 0;
            for (var t = first; t <= last; t++)
            {
                var part = _fragments[t].Data;
                part.CopyTo(message, at);
                at += part.Length;
            }
        }

        var head = _fragments[first];
        for (var t = first; t <= last; t++)
        {
            _fragments.Remove(t);
        }

        var complete = new SctpMessage(head.StreamId, head.Ppid, message);
        if ((head.Flags & DataChunk.Unordered) != 0)
        {
            _bytesHeld -= message.Length;
            Deliver(complete);
            return;
        }

        // Ordered: held until every earlier SSN of the stream was delivered (§6.6).
        var stream = InboundStreamFor(head.StreamId);
        if ((short)(head.Ssn - stream.NextSsn) < 0)
        {
            // An SSN already passed (after a FORWARD-TSN skipped it): stale.
            _bytesHeld -= message.Length;
            return;
        }

        if (stream.Pending.Remove(head.Ssn, out var replaced))
        {
            _bytesHeld -= replaced.Data.Length;
        }

        stream.Pending[head.Ssn] = complete;
        DeliverInOrder(stream);
    }

    private void DeliverInOrder(InboundStream stream)
    {
        while (stream.Pending.Remove(stream.NextSsn, out var next))
        {
            stream.NextSsn++;
            _bytesHeld -= next.Data.Length;
            Deliver(next);
        }
    }

    private void Deliver(SctpMessage message)
    {
        if (_deliveryPaused)
        {
            // Held for the application: the bytes stay counted, so the advertised window shrinks.
            _held.Enqueue(message);
            _heldBytes += message.Data.Length;
            _bytesHeld += message.Data.Length;
            return;
        }

        Interlocked.Increment(ref Stats._messagesReceived);
        Interlocked.Add(ref Stats._bytesReceived, message.Data.Length);
        _delivered.Add(message);
    }

    private InboundStream InboundStreamFor(ushort id)
    {
        if (!_inboundStreams.TryGetValue(id, out var stream))
        {
            stream = new InboundStream();
            _inboundStreams[id] = stream;
        }

        return stream;
    }

    /// <summary>FORWARD-TSN (RFC 3758 §3.6): move the cumulative point, drop what it skips, release ordered streams.</summary>
    private void OnForwardTsn(in ForwardTsnChunk forward)
    {
        if (!IsUp)
        {
            return;
        }

        _sackDue = true;
        var newCumulative = Unwrap(forward.NewCumulativeTsn, _peerCumulativeTsn);
        if (newCumulative <= _peerCumulativeTsn || newCumulative > _peerCumulativeTsn + MaxTsnsAhead)
        {
            return;
        }

        _peerCumulativeTsn = newCumulative;
        while (_receivedAhead.Count > 0 && _receivedAhead.Min <= _peerCumulativeTsn)
        {
            _receivedAhead.Remove(_receivedAhead.Min);
        }

        while (_receivedAhead.Count > 0 && _receivedAhead.Min == _peerCumulativeTsn + 1)
        {
            _peerCumulativeTsn++;
            _receivedAhead.Remove(_peerCumulativeTsn);
        }

        // Fragments at or below the new point can no longer complete.
        List<long>? stale = null;
        foreach (var (tsn, fragment) in _fragments)
        {
            if (tsn <= newCumulative)
            {
                (stale ??= []).Add(tsn);
                _bytesHeld -= fragment.Data.Length;
            }
        }

        if (stale is not null)
        {
            foreach (var tsn in stale)
            {
                _fragments.Remove(tsn);
            }
        }

        for (var i = 0; i < forward.StreamCount; i++)
        {
            var (streamId, ssn) = forward.Stream(i);
            var stream = InboundStreamFor(streamId);
            if ((short)(ssn - stream.NextSsn) >= 0)
            {
                // Messages before the skipped one that are complete still go out, in order; then skip.
                foreach (var key in stream.Pending.Keys.ToList())
                {
                    if ((short)(key - ssn) <= 0)
                    {
                        var pending = stream.Pending[key];
                        stream.Pending.Remove(key);
                        _bytesHeld -= pending.Data.Length;
                        if ((short)(key - stream.NextSsn) >= 0)
                        {
                            Deliver(pending);
                        }
                    }
                }

                stream.NextSsn = (ushort)(ssn + 1);
                DeliverInOrder(stream);
            }
        }

        PerformDeferredReset();
    }

    /// <summary>After each packet: a SACK is owed at once for gaps, duplicates or every second DATA packet, else within a tick (§6.2).</summary>
    private void AfterPacketReceived()
    {
        if (_dataInPacket)
        {
            _dataInPacket = false;
            _sackPending = true;
            if (++_dataPacketsUnacked >= 2 || _receivedAhead.Count > 0)
            {
                _sackDue = true;
            }
        }
    }

    private void WriteSack(ref SctpPacketWriter writer)
    {
        Span<(ushort, ushort)> gaps = stackalloc (ushort, ushort)[MaxGapBlocks];
        var count = 0;
        long runStart = -1;
        long runEnd = -1;
        foreach (var tsn in _receivedAhead)
        {
            var offset = tsn - _peerCumulativeTsn;
            if (offset > ushort.MaxValue)
            {
                break;
            }

            if (runStart >= 0 && tsn == runEnd + 1)
            {
                runEnd = tsn;
                continue;
            }

            if (runStart >= 0)
            {
                gaps[count++] = ((ushort)(runStart - _peerCumulativeTsn), (ushort)(runEnd - _peerCumulativeTsn));
                if (count == MaxGapBlocks)
                {
                    runStart = -1;
                    break;
                }
            }

            runStart = runEnd = tsn;
        }

        if (runStart >= 0 && count < MaxGapBlocks)
        {
            gaps[count++] = ((ushort)(runStart - _peerCumulativeTsn), (ushort)(runEnd - _peerCumulativeTsn));
        }

        Span<uint> duplicates = stackalloc uint[MaxDuplicates];
        var dupCount = Math.Min(_duplicates.Count, MaxDuplicates);
        for (var i = 0; i < dupCount; i++)
        {
            duplicates[i] = _duplicates[i];
        }

        var length = SackChunk.FixedLength + (count * 4) + (dupCount * 4);
        if (!writer.Fits(length))
        {
            Send(ref writer);
        }

        writer.WriteSack((uint)_peerCumulativeTsn, (uint)ReceiveWindowLeft, gaps[..count], duplicates[..dupCount]);
        _duplicates.Clear();
        _sackDue = false;
        _sackPending = false;
        _dataPacketsUnacked = 0;
    }

    private sealed record InboundFragment(ushort StreamId, ushort Ssn, uint Ppid, byte Flags, byte[] Data);

    private sealed class InboundStream
    {
        public ushort NextSsn { get; set; }

        public Dictionary<ushort, SctpMessage> Pending { get; } = [];
    }
}
