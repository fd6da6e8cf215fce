namespace Sluice.Rtc.Sctp;

/// <summary>A data channel's life (RFC 8831 §6.7 for closing).</summary>
public enum DataChannelState
{
    Open,
    Closing,
    Closed,
}

/// <summary>One received message: text (UTF-8) or binary, as the sender's PPID said (RFC 8831 §8).</summary>
public readonly record struct DataMessage(bool IsBinary, byte[] Data);

/// <summary>What <see cref="DataChannel.Send"/> did with a message.</summary>
public enum DataSendResult
{
    Sent,
    Closed,
    TooLarge,
    BufferFull,
}

/// <summary>
/// One WebRTC data channel on an <see cref="DataChannelEndpoint"/>: a stream id, its label, protocol and delivery
/// options. Sending goes through the association (thread-safe); receiving is raised by the endpoint.
/// </summary>
public sealed class DataChannel
{
    private readonly DataChannelEndpoint _endpoint;
    private long _messagesSent;
    private long _bytesSent;
    private long _messagesReceived;
    private long _bytesReceived;
    private long _dropped;
    private volatile DataChannelState _state = DataChannelState.Open;
    private volatile bool _acknowledged;

    internal DataChannel(DataChannelEndpoint endpoint, ushort id, string label, string protocol, DataChannelOptions options, bool openedByPeer, bool negotiated)
    {
        _endpoint = endpoint;
        Id = id;
        Label = label;
        Protocol = protocol;
        Options = options;
        OpenedByPeer = openedByPeer;
        Negotiated = negotiated;
        _acknowledged = openedByPeer || negotiated;
    }

    /// <summary>The SCTP stream id (even when the DTLS client opened it, odd for the server: RFC 8832 §6).</summary>
    public ushort Id { get; }

    public string Label { get; }

    public string Protocol { get; }

    public DataChannelOptions Options { get; }

    /// <summary>True when the peer opened it (DATA_CHANNEL_OPEN received); false when this end did.</summary>
    public bool OpenedByPeer { get; }

    /// <summary>Agreed out of band (<c>negotiated: true</c>): no DCEP on it.</summary>
    public bool Negotiated { get; }

    public DataChannelState State => _state;

    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Messages refused for a full buffer (the peer stopped reading), too large, or after close.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Bytes queued or in flight, not yet acknowledged.</summary>
    public long BufferedAmount => _endpoint.Association.BufferedAmount(Id);

    /// <summary>
    /// Sends one message. Until the peer acknowledged our DATA_CHANNEL_OPEN, messages go ordered so none overtakes
    /// it (RFC 8832 §6). A message that would take the channel past its buffer limit is dropped and counted.
    /// </summary>
    public DataSendResult Send(ReadOnlySpan<byte> data, bool binary) => Send(data, binary, withinLimit: true);

    /// <summary>
    /// Sends one message; with <paramref name="withinLimit"/> false the channel's buffer limit is not applied (a relay
    /// that slows its source down instead of dropping, for a peer that is still reading). With <paramref name="flush"/>
    /// false the message waits in the queue for the association's next flush, to be bundled with others.
    /// </summary>
    public DataSendResult Send(ReadOnlySpan<byte> data, bool binary, bool withinLimit, bool flush = true)
    {
        if (_state != DataChannelState.Open)
        {
            Interlocked.Increment(ref _dropped);
            return DataSendResult.Closed;
        }

        var ppid = data.IsEmpty ? (binary ? DataPpid.BinaryEmpty : DataPpid.StringEmpty) : (binary ? DataPpid.Binary : DataPpid.String);
        ReadOnlySpan<byte> payload = data.IsEmpty ? [0] : data;
        var options = Options;
        var result = _endpoint.Association.Send(Id, (uint)ppid, payload,
            ordered: options.Ordered || !_acknowledged,
            maxRetransmits: options.MaxRetransmits,
            lifetime: options.MaxPacketLifeTime is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            bufferLimit: withinLimit ? _endpoint.BufferLimit : long.MaxValue,
            maxMessageSize: _endpoint.RemoteMaxMessageSize,
            flush: flush);
        switch (result)
        {
            case SctpSendResult.Queued:
                Interlocked.Increment(ref _messagesSent);
                Interlocked.Add(ref _bytesSent, data.Length);
                _endpoint.CountSent(data.Length);
                return DataSendResult.Sent;
            case SctpSendResult.TooLarge:
                Interlocked.Increment(ref _dropped);
                _endpoint.CountDropped();
                return DataSendResult.TooLarge;
            case SctpSendResult.BufferFull:
                Interlocked.Increment(ref _dropped);
                _endpoint.CountDropped();
                return DataSendResult.BufferFull;
            default:
                Interlocked.Increment(ref _dropped);
                _endpoint.CountDropped();
                return DataSendResult.Closed;
        }
    }

    /// <summary>Sends a text message (PPID 51, or 56 when empty).</summary>
    public DataSendResult Send(string text) => Send(System.Text.Encoding.UTF8.GetBytes(text), binary: false);

    /// <summary>Closes the channel: resets our outgoing stream; the peer resets its own and the channel is closed (RFC 8831 §6.7).</summary>
    public void Close()
    {
        if (_state != DataChannelState.Open)
        {
            return;
        }

        _state = DataChannelState.Closing;
        if (!_endpoint.Association.ResetStream(Id))
        {
            _endpoint.OnClosed(this);
        }
    }

    internal void MarkAcknowledged() => _acknowledged = true;

    internal void MarkClosed() => _state = DataChannelState.Closed;

    internal bool BeginPeerClose()
    {
        var wasOpen = _state == DataChannelState.Open;
        _state = DataChannelState.Closing;
        return wasOpen;
    }

    internal void CountReceived(int bytes)
    {
        Interlocked.Increment(ref _messagesReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    public override string ToString() => $"{Label} (stream {Id})";
}
