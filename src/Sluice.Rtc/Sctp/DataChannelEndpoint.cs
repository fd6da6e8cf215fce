using System.Collections.Immutable;

namespace Sluice.Rtc.Sctp;

/// <summary>Settings of one peer's data channels.</summary>
public sealed record DataChannelEndpointOptions
{
    /// <summary>The DTLS client starts the association and opens even stream ids (RFC 8832 §6).</summary>
    public bool IsDtlsClient { get; init; }

    /// <summary>This end's <c>a=sctp-port</c>.</summary>
    public ushort LocalPort { get; init; } = 5000;

    /// <summary>The peer's <c>a=sctp-port</c>.</summary>
    public ushort RemotePort { get; init; } = 5000;

    /// <summary>The peer's <c>a=max-message-size</c>; 65536 when it said nothing (RFC 8841 §6.1).</summary>
    public int RemoteMaxMessageSize { get; init; } = 65536;

    /// <summary>What this end advertises (<c>a=max-message-size</c>): larger incoming messages are dropped.</summary>
    public int LocalMaxMessageSize { get; init; } = 262144;

    /// <summary>Bytes one channel may hold unacknowledged; beyond it messages are dropped and counted.</summary>
    public long BufferLimit { get; init; } = 1024 * 1024;

    /// <summary>Where the association's tags and initial TSNs come from (tests: seeded).</summary>
    internal Random? Random { get; init; }

    /// <summary>Stream ids agreed out of band (<c>negotiated: true, id: N</c>), with the channel each one is.</summary>
    public IReadOnlyDictionary<ushort, (string Label, string Protocol, DataChannelOptions Options)> PreNegotiated { get; init; } =
        ImmutableDictionary<ushort, (string, string, DataChannelOptions)>.Empty;
}

/// <summary>
/// A peer's data channels over one SCTP association (RFC 8831): DCEP to open them (RFC 8832), PPIDs for text and
/// binary, stream resets to close them. Events are raised on the thread that fed the packet (the receive thread).
/// </summary>
public sealed class DataChannelEndpoint
{
    private readonly Lock _lock = new();
    private readonly DataChannelEndpointOptions _options;
    private ImmutableDictionary<ushort, DataChannel> _channels = ImmutableDictionary<ushort, DataChannel>.Empty;
    private long _messagesReceived;
    private long _bytesReceived;
    private long _messagesSent;
    private long _bytesSent;
    private long _dropped;
    private long _unknownStream;
    private long _badDcep;

    // The parity of the stream ids this end opens: even for the DTLS client (RFC 8832 §6), flipped when the
    // peer opens on ours (aiortc 1.4 picks its parity from its ICE role), so the two never collide.
    private int _ownParity;

    public DataChannelEndpoint(DataChannelEndpointOptions options, Action<ReadOnlySpan<byte>> output, TimeProvider? time = null)
    {
        _options = options;
        _ownParity = options.IsDtlsClient ? 0 : 1;
        Association = new SctpAssociation(new SctpAssociationOptions
        {
            IsDtlsClient = options.IsDtlsClient,
            LocalPort = options.LocalPort,
            RemotePort = options.RemotePort,
            Random = options.Random,
        }, output, time)
        {
            MessageReceived = OnMessage,
            StreamReset = OnStreamReset,
            StateChanged = OnStateChanged,
        };
    }

    public SctpAssociation Association { get; }

    public long BufferLimit => _options.BufferLimit;

    public int RemoteMaxMessageSize => _options.RemoteMaxMessageSize;

    public bool IsEstablished => Association.State == SctpState.Established;

    /// <summary>The open (or closing) channels, a snapshot.</summary>
    public IEnumerable<DataChannel> Channels => _channels.Values;

    /// <summary>The association came up: channels may be opened.</summary>
    public Action? Established { get; set; }

    /// <summary>The association ended.</summary>
    public Action? Closed { get; set; }

    /// <summary>The peer opened a channel (DATA_CHANNEL_OPEN), or a pre-negotiated id got its first message.</summary>
    public Action<DataChannel>? ChannelOpened { get; set; }

    public Action<DataChannel, DataMessage>? MessageReceived { get; set; }

    /// <summary>A channel closed (both directions reset).</summary>
    public Action<DataChannel>? ChannelClosed { get; set; }

    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Messages this end could not send (buffer full, too large, channel closed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages on a stream no channel was opened on (and not pre-negotiated): dropped.</summary>
    public long UnknownStreamMessages => Interlocked.Read(ref _unknownStream);

    /// <summary>Malformed DCEP messages and incoming messages over our advertised size: dropped.</summary>
    public long BadMessages => Interlocked.Read(ref _badDcep);

    /// <summary>Starts the association (the DTLS client sends INIT); call once DTLS is connected.</summary>
    public void Start() => Association.Start();

    /// <summary>One SCTP packet from DTLS.</summary>
    public void Receive(ReadOnlySpan<byte> packet) => Association.Receive(packet);

    public void Tick() => Association.Tick();

    /// <summary>The open channel with <paramref name="label"/>, if any.</summary>
    public DataChannel? Find(string label)
    {
        foreach (var channel in _channels.Values)
        {
            if (channel.State == DataChannelState.Open && channel.Label == label)
            {
                return channel;
            }
        }

        return null;
    }

    /// <summary>Opens a channel with DATA_CHANNEL_OPEN on a free stream id of our parity; null before the association is up.</summary>
    public DataChannel? Open(string label, string protocol, DataChannelOptions options)
    {
        DataChannel channel;
        lock (_lock)
        {
            if (!IsEstablished)
            {
                return null;
            }

            var id = (ushort)_ownParity;
            while (_channels.ContainsKey(id) || _options.PreNegotiated.ContainsKey(id))
            {
                if (id >= ushort.MaxValue - 2)
                {
                    return null;
                }

                id += 2;
            }

            channel = new DataChannel(this, id, label, protocol, options, openedByPeer: false, negotiated: false);
            _channels = _channels.SetItem(id, channel);
        }

        Span<byte> open = stackalloc byte[Dcep.OpenLength(label, protocol)];
        var length = Dcep.WriteOpen(open, label, protocol, options);
        Association.Send(channel.Id, (uint)DataPpid.Dcep, open[..length]);
        return channel;
    }

    internal void CountSent(int bytes)
    {
        Interlocked.Increment(ref _messagesSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    internal void OnClosed(DataChannel channel)
    {
        channel.MarkClosed();
        lock (_lock)
        {
            _channels = _channels.Remove(channel.Id);
        }

        ChannelClosed?.Invoke(channel);
    }

    private void OnStateChanged(SctpState state)
    {
        if (state == SctpState.Established)
        {
            // Channels agreed out of band exist from the start, on both ends, without DCEP.
            foreach (var (id, agreed) in _options.PreNegotiated)
            {
                var channel = new DataChannel(this, id, agreed.Label, agreed.Protocol, agreed.Options, openedByPeer: true, negotiated: true);
                lock (_lock)
                {
                    _channels = _channels.SetItem(id, channel);
                }
            }

            Established?.Invoke();
        }
        else if (state == SctpState.Closed)
        {
            foreach (var channel in _channels.Values)
            {
                channel.MarkClosed();
            }

            lock (_lock)
            {
                _channels = _channels.Clear();
            }

            Closed?.Invoke();
        }
    }

    private void OnMessage(SctpMessage message)
    {
        if (message.Ppid == (uint)DataPpid.Dcep)
        {
            OnDcep(message);
            return;
        }

        if (!_channels.TryGetValue(message.StreamId, out var channel))
        {
            if (!_options.PreNegotiated.TryGetValue(message.StreamId, out var agreed))
            {
                Interlocked.Increment(ref _unknownStream);
                return;
            }

            channel = new DataChannel(this, message.StreamId, agreed.Label, agreed.Protocol, agreed.Options, openedByPeer: true, negotiated: true);
            lock (_lock)
            {
                _channels = _channels.SetItem(channel.Id, channel);
            }

            ChannelOpened?.Invoke(channel);
        }

        channel.MarkAcknowledged();
        if (message.Data.Length > _options.LocalMaxMessageSize)
        {
            Interlocked.Increment(ref _badDcep);
            return;
        }

        DataMessage received;
        switch ((DataPpid)message.Ppid)
        {
            case DataPpid.String:
                received = new DataMessage(false, message.Data);
                break;
            case DataPpid.Binary:
                received = new DataMessage(true, message.Data);
                break;
            case DataPpid.StringEmpty:
                received = new DataMessage(false, []);
                break;
            case DataPpid.BinaryEmpty:
                received = new DataMessage(true, []);
                break;
            default:
                // Deprecated partial PPIDs (52, 54) and unknown ones: not a message a channel delivers.
                Interlocked.Increment(ref _badDcep);
                return;
        }

        Interlocked.Increment(ref _messagesReceived);
        Interlocked.Add(ref _bytesReceived, received.Data.Length);
        channel.CountReceived(received.Data.Length);
        MessageReceived?.Invoke(channel, received);
    }

    private void OnDcep(SctpMessage message)
    {
        if (message.Data.Length == 1 && message.Data[0] == Dcep.AckType)
        {
            if (_channels.TryGetValue(message.StreamId, out var acked))
            {
                acked.MarkAcknowledged();
            }

            return;
        }

        if (!Dcep.TryParseOpen(message.Data, out var label, out var protocol, out var options))
        {
            Interlocked.Increment(ref _badDcep);
            return;
        }

        // An OPEN on a stream in use is an error. One on our own parity breaks RFC 8832 §6 (aiortc 1.4 does it
        // as DTLS client): accept it, and open ours on the other parity from now on, as browsers tolerate it.
        DataChannel channel;
        lock (_lock)
        {
            if (_channels.ContainsKey(message.StreamId))
            {
                Interlocked.Increment(ref _badDcep);
                return;
            }

            if (message.StreamId % 2 == _ownParity)
            {
                _ownParity ^= 1;
            }

            channel = new DataChannel(this, message.StreamId, label, protocol, options, openedByPeer: true, negotiated: false);
            _channels = _channels.SetItem(channel.Id, channel);
        }

        Association.Send(channel.Id, (uint)DataPpid.Dcep, [Dcep.AckType]);
        ChannelOpened?.Invoke(channel);
    }

    private void OnStreamReset(ushort stream)
    {
        if (!_channels.TryGetValue(stream, out var channel))
        {
            return;
        }

        // The peer closed its side: close ours too, unless we started the close (RFC 8831 §6.7).
        if (channel.BeginPeerClose())
        {
            Association.ResetStream(stream);
        }

        OnClosed(channel);
    }
}
