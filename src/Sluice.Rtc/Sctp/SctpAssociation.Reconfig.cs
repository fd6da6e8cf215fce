namespace Sluice.Rtc.Sctp;

/// <summary>Stream reset (RFC 6525), how a data channel closes (RFC 8831 §6.7).</summary>
public sealed partial class SctpAssociation
{
    private readonly HashSet<ushort> _resettingOutgoing = [];
    private readonly List<ushort> _resetQueue = [];
    private ushort[]? _requestInFlight;
    private long _requestSentAt;
    private long _requestLastTsn;
    private uint _requestSequenceInFlight;
    private uint _nextRequestSequence;
    private uint _peerNextRequestSequence;
    private SctpReconfigResult _lastResponseResult;
    private (uint Sequence, long LastTsn, ushort[] Streams)? _deferredIncoming;

    /// <summary>
    /// Resets the outgoing side of <paramref name="stream"/> once what is queued on it has been sent (RFC 6525 §5.1.2):
    /// the peer's channel on it closes. False when the peer did not negotiate RE-CONFIG or the association is down.
    /// </summary>
    public bool ResetStream(ushort stream)
    {
        lock (_lock)
        {
            if (!IsUp || !_peerSupportsReconfig)
            {
                return false;
            }

            if (_resettingOutgoing.Add(stream))
            {
                _resetQueue.Add(stream);
            }

            FlushLocked();
        }

        RaiseEvents();
        return true;
    }

    private void WriteReconfig(ref SctpPacketWriter writer, long now)
    {
        if (_requestInFlight is null && _resetQueue.Count > 0)
        {
            // Streams whose queued data is still unsent wait for it (the reset carries our last TSN).
            var ready = new List<ushort>();
            foreach (var stream in _resetQueue)
            {
                if (!HasQueued(stream))
                {
                    ready.Add(stream);
                }
            }

            if (ready.Count > 0)
            {
                foreach (var stream in ready)
                {
                    _resetQueue.Remove(stream);
                }

                _requestInFlight = [.. ready];
                _requestSequenceInFlight = _nextRequestSequence++;
                _requestLastTsn = _nextTsn - 1;
                SendRequest(ref writer, now);
            }
        }
    }

    private void SendRequest(ref SctpPacketWriter writer, long now)
    {
        var streams = _requestInFlight!;
        if (!writer.Fits(16 + (streams.Length * 2) + 2))
        {
            Send(ref writer);
        }

        writer.WriteOutgoingResetRequest(_requestSequenceInFlight, _peerNextRequestSequence - 1, (uint)_requestLastTsn, streams);
        _requestSentAt = now;
    }

    private bool HasQueued(ushort stream)
    {
        foreach (var chunk in _sendQueue)
        {
            if (chunk.Message.Stream == stream)
            {
                return true;
            }
        }

        return false;
    }

    private void TickReconfig(long now)
    {
        if (_requestInFlight is not null && _time.GetElapsedTime(_requestSentAt, now) >= _rto)
        {
            var writer = NewPacket();
            SendRequest(ref writer, now);
            Send(ref writer);
        }
    }

    private void OnReconfig(in SctpChunk chunk)
    {
        if (!IsUp)
        {
            return;
        }

        var parameters = new SctpParameterEnumerator(chunk.Value);
        foreach (var parameter in parameters)
        {
            if (OutgoingResetRequest.TryParse(parameter, out var request))
            {
                OnResetRequest(request);
            }
            else if (ReconfigResponse.TryParse(parameter, out var response))
            {
                OnResetResponse(response);
            }
            else if (parameter.Type == (ushort)SctpParameterType.IncomingSsnResetRequest && parameter.Value.Length >= 4)
            {
                // We never ask the peer to reset; answer a request to reset our outgoing streams as denied.
                var sequence = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(parameter.Value);
                SendResponse(sequence, SctpReconfigResult.Denied);
            }
            else
            {
                Interlocked.Increment(ref Stats._malformed);
            }
        }

        if (parameters.Malformed)
        {
            Interlocked.Increment(ref Stats._malformed);
        }
    }

    /// <summary>The peer resets its outgoing streams (RFC 6525 §5.2.2): performed once every TSN before its last has arrived.</summary>
    private void OnResetRequest(in OutgoingResetRequest request)
    {
        var sequence = request.RequestSequence;
        if (sequence == _peerNextRequestSequence - 1)
        {
            // A retransmission of the last request: repeat its result, unless still waiting for its data.
            if (_deferredIncoming is null)
            {
                SendResponse(sequence, _lastResponseResult);
            }

            return;
        }

        if (sequence != _peerNextRequestSequence)
        {
            SendResponse(sequence, SctpReconfigResult.ErrorBadSequenceNumber);
            return;
        }

        _peerNextRequestSequence++;
        var streams = new ushort[request.StreamCount];
        for (var i = 0; i < streams.Length; i++)
        {
            streams[i] = request.Stream(i);
        }

        _deferredIncoming = (sequence, Unwrap(request.SendersLastTsn, _peerCumulativeTsn), streams);
        PerformDeferredReset();
        if (_deferredIncoming is not null)
        {
            SendResponse(sequence, SctpReconfigResult.InProgress);
        }
    }

    private void PerformDeferredReset()
    {
        if (_deferredIncoming is not { } deferred || _peerCumulativeTsn < deferred.LastTsn)
        {
            return;
        }

        _deferredIncoming = null;
        foreach (var stream in deferred.Streams)
        {
            if (_inboundStreams.Remove(stream, out var inbound))
            {
                foreach (var pending in inbound.Pending.Values)
                {
                    _bytesHeld -= pending.Data.Length;
                }
            }

            _resetStreams.Add(stream);
        }

        _lastResponseResult = SctpReconfigResult.SuccessPerformed;
        SendResponse(deferred.Sequence, SctpReconfigResult.SuccessPerformed);
    }

    private void OnResetResponse(in ReconfigResponse response)
    {
        if (_requestInFlight is null || response.ResponseSequence != _requestSequenceInFlight)
        {
            return;
        }

        if (response.Result == SctpReconfigResult.InProgress)
        {
            // The peer waits for our data; ask again on the next timeout.
            return;
        }

        foreach (var stream in _requestInFlight)
        {
            _nextSsn.Remove(stream);
            _resettingOutgoing.Remove(stream);
        }

        _requestInFlight = null;
    }

    private void SendResponse(uint sequence, SctpReconfigResult result)
    {
        var writer = NewPacket();
        writer.WriteReconfigResponse(sequence, result);
        Send(ref writer);
    }
}
