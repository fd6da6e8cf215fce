using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Transport;

/// <summary>
/// Every WebRTC transport of a node on one UDP socket. One receive loop classifies each datagram
/// (RFC 7983), finds its transport by remote address — or, for a binding request from an address not
/// seen yet, by the local ufrag in its USERNAME — and hands it over. See README.md in this folder for
/// the invariants of the loop.
/// </summary>
public sealed class UdpMux : IDisposable
{
    // Large enough for any UDP datagram: a datagram cut short would fail authentication anyway.
    private const int ReceiveBufferSize = 65536;

    private readonly Socket _socket;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<SocketAddress, WebRtcTransport> _byAddress = new();
    private readonly ConcurrentDictionary<string, WebRtcTransport> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WebRtcTransport>.AlternateLookup<ReadOnlySpan<char>> _byUfragSpan;
    private readonly Lock _transportsLock = new();
    private ImmutableArray<WebRtcTransport> _transports = [];
    private Thread? _receiveThread;
    private long _nextHeartbeat;
    private volatile bool _disposed;
    private ImmutableArray<UdpMux> _hosted = [];
    private UdpMux? _host;

    // Senders with packets waiting (receive thread only), and when they are served next.
    private IPacedSender[] _paced = new IPacedSender[16];
    private int _pacedCount;
    private long _nextPace;

    // Where the datagram being dispatched came from; only the receiving thread touches it.
    private readonly SocketAddress _from;

    public UdpMux(IPEndPoint bindEndPoint, TimeProvider? timeProvider = null)
    {
        _from = new SocketAddress(bindEndPoint.AddressFamily);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _byUfragSpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
        _socket = new Socket(bindEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 4 * 1024 * 1024,
            SendBufferSize = 4 * 1024 * 1024,
        };
        _socket.Bind(bindEndPoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>How often senders with packets waiting are served (<see cref="SchedulePacing"/>).</summary>
    public static TimeSpan PaceInterval { get; } = TimeSpan.FromMilliseconds(1);

    public UdpMuxStats Stats { get; } = new();

    /// <summary>
    /// How often every transport is ticked (consent, ICE and DTLS retransmissions), on the receive thread: it runs
    /// between two datagrams once due, and a quiet socket wakes the thread this often.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The transports currently registered; a snapshot, replaced whole on change.</summary>
    public ImmutableArray<WebRtcTransport> Transports => _transports;

    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_receiveThread is not null)
        {
            return;
        }

        // A blocking receive returns (timed out) at least once per heartbeat, so the heartbeat runs on a quiet socket.
        _socket.ReceiveTimeout = Math.Max(1, (int)HeartbeatInterval.TotalMilliseconds);
        _nextHeartbeat = _timeProvider.GetTimestamp() + HeartbeatTicks;
        _receiveThread = new Thread(ReceiveLoop) { IsBackground = true, Name = "sluice-udp-receive" };
        _receiveThread.Start();
    }

    /// <summary>
    /// Decides per outgoing datagram whether it leaves: tests use it to make the network lossy toward chosen
    /// peers. Null by default, which costs one null check per datagram.
    /// </summary>
    public OutgoingFilter? SendFilter { get; set; }

    /// <summary>Sends one datagram; a send error is counted, not thrown (the peer may be gone).</summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        if (SendFilter is { } filter && !filter(datagram, remote))
        {
            Interlocked.Increment(ref Stats._droppedBySendFilter);
            return;
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
            Interlocked.Increment(ref Stats._datagramsSent);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref Stats._sendErrors);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref Stats._sendErrors);
        }
    }

    internal void Register(WebRtcTransport transport, string localUfrag)
    {
        if (!_byUfrag.TryAdd(localUfrag, transport))
        {
            throw new InvalidOperationException($"ICE ufrag '{localUfrag}' is already registered on this socket.");
        }

        lock (_transportsLock)
        {
            if (!_transports.Contains(transport))
            {
                _transports = _transports.Add(transport);
            }
        }
    }

    internal void BindAddress(SocketAddress remote, WebRtcTransport transport)
    {
        // Every consent check re-validates the same address: only a new binding is worth a copy.
        if (!_byAddress.TryGetValue(remote, out var owner) || owner != transport)
        {
            _byAddress[remote.Clone()] = transport;
        }
    }

    internal void Unregister(WebRtcTransport transport)
    {
        foreach (var (ufrag, owner) in _byUfrag)
        {
            if (owner == transport)
            {
                _byUfrag.TryRemove(ufrag, out _);
            }
        }

        foreach (var (address, owner) in _byAddress)
        {
            if (owner == transport)
            {
                _byAddress.TryRemove(address, out _);
            }
        }

        lock (_transportsLock)
        {
            _transports = _transports.Remove(transport);
        }
    }

    /// <summary>
    /// Serves <paramref name="guest"/>'s socket from this mux's receive thread: its datagrams are dispatched and its
    /// transports ticked here, between this socket's own, so everything one node forwards keeps a single writer
    /// (a node's cascades and relays, which need sockets of their own, see <see cref="OutboundTransport"/>). The
    /// guest is never started; it leaves when disposed.
    /// </summary>
    public void Host(UdpMux guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        if (guest._receiveThread is not null || guest._host is not null)
        {
            throw new InvalidOperationException("The mux is already receiving.");
        }

        guest._host = this;
        guest._socket.ReceiveTimeout = 1; // read only when readable; never wait long if another reader won
        lock (_transportsLock)
        {
            _hosted = _hosted.Add(guest);
        }
    }

    private void Unhost(UdpMux guest)
    {
        lock (_transportsLock)
        {
            _hosted = _hosted.Remove(guest);
        }
    }

    private void ReceiveLoop()
    {
        var buffer = GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
        var ready = new List<Socket>();
        while (!_disposed)
        {
            var hosted = _hosted;
            if (hosted.IsEmpty)
            {
                // While packets wait to be paced out, wait for a datagram no longer than until they are due.
                if (_pacedCount == 0 || Readable(_socket, (int)PaceInterval.TotalMicroseconds))
                {
                    ReceiveOne(buffer);
                }
            }
            else
            {
                // Sockets of hosted muxes too: wait for any to be readable (poll), then read one datagram from each
                // that is. Only a node with cascades pays the extra system call per datagram.
                ready.Clear();
                ready.Add(_socket);
                foreach (var guest in hosted)
                {
                    ready.Add(guest._socket);
                }

                try
                {
                    Socket.Select(ready, null, null, (int)(_pacedCount > 0 ? PaceInterval : HeartbeatInterval).TotalMicroseconds);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // A guest closed while we waited: the next round has the new list.
                    ready.Clear();
                }

                // Select keeps the readable sockets in the order given: ours first, then the guests'.
                var next = 0;
                if (next < ready.Count && ready[next] == _socket)
                {
                    ReceiveOne(buffer);
                    next++;
                }

                foreach (var guest in hosted)
                {
                    if (next < ready.Count && ready[next] == guest._socket)
                    {
                        guest.ReceiveOne(buffer);
                        next++;
                    }
                }
            }

            var now = _timeProvider.GetTimestamp();
            if (_pacedCount > 0 && now >= _nextPace)
            {
                _nextPace = now + PaceTicks;
                Pace();
            }

            if (now >= _nextHeartbeat)
            {
                _nextHeartbeat = now + HeartbeatTicks;
                Heartbeat();
                foreach (var guest in hosted)
                {
                    guest.Heartbeat();
                }
            }
        }
    }

    /// <summary>Receives and dispatches one datagram (blocking until one arrives or the receive timeout, unless the socket is known readable).</summary>
    private void ReceiveOne(byte[] buffer)
    {
        var from = _from;
        if (_disposed)
        {
            return;
        }

        var length = -1;
        try
        {
            length = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
        }
        catch (SocketException)
        {
            // The receive timed out (a quiet socket: time for the heartbeat), or an ICMP error surfaced (a
            // peer's port closed), which concerns one peer only.
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (length >= 0)
        {
            Interlocked.Increment(ref Stats._datagramsReceived);
            try
            {
                Dispatch(buffer.AsSpan(0, length), from);
            }
            catch (Exception)
            {
                // A bug in one session's handler must not stop every session's media: count it (tests assert
                // the count stays zero) and go on with the next datagram.
                Interlocked.Increment(ref Stats._handlerErrors);
            }
        }
    }

    private static bool Readable(Socket socket, int microseconds)
    {
        try
        {
            return socket.Poll(microseconds, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true; // the receive that follows sees the same and handles it
        }
    }

    /// <summary>
    /// Serves <paramref name="sender"/> from the receive loop until it says nothing waits: every
    /// <see cref="PaceInterval"/>, between datagrams, so its packets leave on the thread that owns its state. Call
    /// on the receive thread whenever packets start waiting; a sender already served is not added again.
    /// </summary>
    public void SchedulePacing(IPacedSender sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        if (_host is { } host)
        {
            host.SchedulePacing(sender);
            return;
        }

        if (sender.PacingScheduled)
        {
            return;
        }

        sender.PacingScheduled = true;
        if (_pacedCount == _paced.Length)
        {
            Array.Resize(ref _paced, _paced.Length * 2);
        }

        _paced[_pacedCount++] = sender;
    }

    private void Pace()
    {
        for (var i = 0; i < _pacedCount;)
        {
            bool waiting;
            try
            {
                waiting = _paced[i].Pace();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref Stats._handlerErrors);
                waiting = false;
            }

            if (waiting)
            {
                i++;
                continue;
            }

            _paced[i].PacingScheduled = false;
            _paced[i] = _paced[--_pacedCount];
            _paced[_pacedCount] = null!;
        }
    }

    private long PaceTicks => (long)(PaceInterval.TotalSeconds * _timeProvider.TimestampFrequency);

    private long HeartbeatTicks => (long)(HeartbeatInterval.TotalSeconds * _timeProvider.TimestampFrequency);

    /// <summary>Routes one datagram. Never throws: bad input is counted and dropped.</summary>
    internal void Dispatch(Span<byte> datagram, SocketAddress from)
    {
        switch (PacketClassifier.Classify(datagram))
        {
            case PacketKind.Stun:
                DispatchStun(datagram, from);
                break;
            case PacketKind.Dtls:
                if (_byAddress.TryGetValue(from, out var dtlsOwner))
                {
                    dtlsOwner.ReceiveDtls(datagram);
                }
                else
                {
                    Interlocked.Increment(ref Stats._droppedUnknownSource);
                }

                break;
            case PacketKind.Rtp:
                if (_byAddress.TryGetValue(from, out var rtpOwner))
                {
                    rtpOwner.ReceiveSrtp(datagram, from);
                }
                else
                {
                    Interlocked.Increment(ref Stats._droppedUnknownSource);
                }

                break;
            default:
                Interlocked.Increment(ref Stats._droppedUnclassified);
                break;
        }
    }

    private void DispatchStun(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        if (!StunMessage.TryParse(datagram, out var message))
        {
            Interlocked.Increment(ref Stats._droppedMalformedStun);
            return;
        }

        // A request names its session in USERNAME ("ourUfrag:theirUfrag"), which also covers a peer
        // that moved to a new address; anything else belongs to whoever owns the source address.
        if (message.Type == StunMessageType.BindingRequest && TryFindByUsername(message.Username, out var owner))
        {
            owner.HandleStun(message, from);
        }
        else if (_byAddress.TryGetValue(from, out owner))
        {
            owner.HandleStun(message, from);
        }
        else
        {
            Interlocked.Increment(ref Stats._droppedUnknownSource);
        }
    }

    private bool TryFindByUsername(ReadOnlySpan<byte> username, out WebRtcTransport owner)
    {
        owner = null!;
        var colon = username.IndexOf((byte)':');
        if (colon <= 0 || colon > 256)
        {
            return false;
        }

        Span<char> ufrag = stackalloc char[colon];
        if (Encoding.UTF8.GetChars(username[..colon], ufrag) != colon)
        {
            // Multi-byte characters: not an ice-char ufrag of ours.
            return false;
        }

        return _byUfragSpan.TryGetValue(ufrag, out owner!);
    }

    /// <summary>
    /// Called on every heartbeat after the transports' own timers (ICE consent, DTLS retransmission), on the
    /// receive thread: the one clock an owner hangs its periodic work on (the node's NACK retries and receiver
    /// reports), instead of a timer of its own. Per-packet state it touches needs no hand-over: one thread does both.
    /// </summary>
    public Action? HeartbeatTick { get; set; }

    private void Heartbeat()
    {
        foreach (var transport in _transports)
        {
            try
            {
                transport.Tick();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref Stats._handlerErrors);
            }
        }

        try
        {
            HeartbeatTick?.Invoke();
        }
        catch (Exception)
        {
            Interlocked.Increment(ref Stats._handlerErrors);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _host?.Unhost(this);
        _socket.Dispose();
        _receiveThread?.Join(TimeSpan.FromSeconds(2));
    }
}
