using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Testing;

/// <summary>
/// A thin link in user space, for tests that need one on a machine without traffic-control qdiscs: a UDP relay
/// between one peer (a browser subscriber) and one target (a Sluice node). The peer sends to <see cref="EndPoint"/>;
/// the relay forwards from its own socket, connected to the target, and sends what comes back to the peer's last
/// source address through a token bucket of <see cref="DownlinkBitsPerSecond"/> and a drop-tail queue.
/// </summary>
/// <remarks>
/// Sluice is ICE-lite and answers whatever address the checks come from, which is the relay's node-facing
/// socket, so one relay carries one browser session. The peer learns the relay's address from the node's answer
/// with its candidates rewritten: <see cref="PointCandidatesAt"/> in C#, <see cref="CandidateRewriteJs"/> in a page.
/// <para>
/// Each direction is a token bucket (burst: one 1500-byte packet or 2 ms at the rate, whichever is larger: a
/// bottleneck that serializes packets, as GCC expects, rather than a policer that lets a probe through whole)
/// feeding a FIFO limited to <c>queueDelay</c> worth of bytes at the current rate; a packet that does not fit is
/// dropped (drop-tail) and counted. A dedicated thread per direction releases packets as tokens allow, timed by
/// <see cref="Stopwatch"/>: its waits are whole milliseconds, and the tokens that accrue while it oversleeps
/// keep the average rate exact. A rate of 0 is unlimited; the uplink is unlimited unless asked otherwise.
/// </para>
/// </remarks>
public sealed class RateLimitedUdpRelay : IAsyncDisposable, IDisposable
{
    /// <summary>The default queue: 200 ms worth of bytes at the current rate.</summary>
    public static readonly TimeSpan DefaultQueueDelay = TimeSpan.FromMilliseconds(200);

    private const int MaxDatagram = 65536;

    private readonly Socket _peerSocket;
    private readonly Socket _nodeSocket;
    private readonly Shaper _downlink;
    private readonly Shaper _uplink;
    private readonly Thread _peerReceiver;
    private readonly Thread _nodeReceiver;
    private volatile Peer? _peer;
    private int _disposed;

    private RateLimitedUdpRelay(IPEndPoint target, long downlinkBitsPerSecond, TimeSpan queueDelay, long uplinkBitsPerSecond)
    {
        Target = target;
        var loopback = target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _peerSocket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _nodeSocket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            foreach (var socket in (Socket[])[_peerSocket, _nodeSocket])
            {
                // Large kernel buffers: the relay's own queue, not the kernel's, should be what overflows.
                socket.ReceiveBufferSize = 4 << 20;
                socket.SendBufferSize = 4 << 20;
            }

            _peerSocket.Bind(new IPEndPoint(loopback, 0));
            _nodeSocket.Bind(new IPEndPoint(loopback, 0));
            _nodeSocket.Connect(target);
        }
        catch
        {
            _peerSocket.Dispose();
            _nodeSocket.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_peerSocket.LocalEndPoint!;
        ForwardingEndPoint = (IPEndPoint)_nodeSocket.LocalEndPoint!;
        _downlink = new Shaper("relay downlink", downlinkBitsPerSecond, queueDelay, SendToPeer);
        _uplink = new Shaper("relay uplink", uplinkBitsPerSecond, queueDelay, SendToNode);
        _peerReceiver = new Thread(ReceiveFromPeer) { IsBackground = true, Name = "relay peer receive" };
        _nodeReceiver = new Thread(ReceiveFromNode) { IsBackground = true, Name = "relay node receive" };
        _peerReceiver.Start();
        _nodeReceiver.Start();
    }

    /// <summary>
    /// Starts a relay toward <paramref name="target"/> on the loopback address of its family. Rates are in bits
    /// per second, 0 for unlimited; <paramref name="queueDelay"/> sizes each direction's queue (200 ms by default).
    /// </summary>
    public static RateLimitedUdpRelay Start(IPEndPoint target, long downlinkBitsPerSecond, TimeSpan? queueDelay = null, long uplinkBitsPerSecond = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(downlinkBitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(uplinkBitsPerSecond);
        var delay = queueDelay ?? DefaultQueueDelay;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(delay, TimeSpan.Zero, nameof(queueDelay));
        return new RateLimitedUdpRelay(target, downlinkBitsPerSecond, delay, uplinkBitsPerSecond);
    }

    /// <summary>Where the peer should send: the relay's peer-facing socket (127.0.0.1 and a free port).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The relay's node-facing socket: the address the target sees the peer at.</summary>
    public IPEndPoint ForwardingEndPoint { get; }

    /// <summary>The node the relay forwards to.</summary>
    public IPEndPoint Target { get; }

    /// <summary>The peer's last source address, where the downlink goes; null until the peer has sent.</summary>
    public IPEndPoint? PeerEndPoint => _peer?.EndPoint;

    /// <summary>The downlink (target to peer) rate in bits per second, 0 for unlimited; a change applies at once.</summary>
    public long DownlinkBitsPerSecond
    {
        get => _downlink.BitsPerSecond;
        set => _downlink.BitsPerSecond = value;
    }

    /// <summary>The uplink (peer to target) rate in bits per second, 0 (the default) for unlimited.</summary>
    public long UplinkBitsPerSecond
    {
        get => _uplink.BitsPerSecond;
        set => _uplink.BitsPerSecond = value;
    }

    /// <summary>Downlink packets sent to the peer.</summary>
    public long PacketsForwarded => _downlink.PacketsForwarded;

    /// <summary>Downlink bytes (UDP payload) sent to the peer.</summary>
    public long BytesForwarded => _downlink.BytesForwarded;

    /// <summary>Downlink packets dropped: the queue was full, or no peer had sent yet.</summary>
    public long PacketsDropped => _downlink.PacketsDropped;

    /// <summary>Downlink bytes waiting in the queue now.</summary>
    public long QueuedBytes => _downlink.QueuedBytes;

    /// <summary>What the downlink actually delivered over about the last second, in bits per second.</summary>
    public long DownlinkBitsPerSecondMeasured => _downlink.MeasuredBitsPerSecond;

    public long UplinkPacketsForwarded => _uplink.PacketsForwarded;

    public long UplinkBytesForwarded => _uplink.BytesForwarded;

    public long UplinkPacketsDropped => _uplink.PacketsDropped;

    public long UplinkBitsPerSecondMeasured => _uplink.MeasuredBitsPerSecond;

    /// <summary>The host candidate line <see cref="PointCandidatesAt"/> writes, without its line ending.</summary>
    public static string CandidateLine(IPEndPoint relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        return $"a=candidate:1 1 udp 2130706431 {relay.Address} {relay.Port} typ host";
    }

    /// <summary>
    /// Replaces the <c>a=candidate</c> lines of every section that has any with one host candidate at
    /// <paramref name="relay"/>, where the first of them was; the section's <c>m=</c> port (unless 0) and <c>c=</c>
    /// line name the same address, as the default candidate should (RFC 8839 §4.2.1.2). Everything else, including
    /// <c>a=end-of-candidates</c> and the line endings, is kept. <see cref="CandidateRewriteJs"/> does the same in a page.
    /// </summary>
    public static string PointCandidatesAt(string sdp, IPEndPoint relay)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        ArgumentNullException.ThrowIfNull(relay);
        var eol = sdp.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var candidate = CandidateLine(relay);
        var connection = (relay.AddressFamily == AddressFamily.InterNetworkV6 ? "c=IN IP6 " : "c=IN IP4 ") + relay.Address;
        var port = relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var output = new List<string>();
        var section = new List<string>();

        void Flush()
        {
            var first = section.FindIndex(IsCandidate);
            for (var i = 0; i < section.Count; i++)
            {
                var line = section[i];
                if (first < 0)
                {
                    output.Add(line);
                    continue;
                }

                if (i == first)
                {
                    output.Add(candidate);
                }

                if (IsCandidate(line))
                {
                    continue;
                }

                if (line.StartsWith("m=", StringComparison.Ordinal))
                {
                    var fields = line.Split(' ');
                    if (fields.Length > 1 && fields[1] != "0")
                    {
                        fields[1] = port;
                    }

                    line = string.Join(' ', fields);
                }
                else if (line.StartsWith("c=", StringComparison.Ordinal))
                {
                    line = connection;
                }

                output.Add(line);
            }

            section.Clear();
        }

        foreach (var line in sdp.Split(eol))
        {
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                Flush();
            }

            section.Add(line);
        }

        Flush();
        return string.Join(eol, output);

        static bool IsCandidate(string line) => line.StartsWith("a=candidate:", StringComparison.Ordinal);
    }

    /// <summary>
    /// A JavaScript function <c>pointCandidatesAt(sdp, host, port)</c> that rewrites an SDP exactly as
    /// <see cref="PointCandidatesAt"/> does, for a test page to apply to the node's answer before
    /// <c>setRemoteDescription</c>. Paste it into the page's script.
    /// </summary>
    public const string CandidateRewriteJs = """
        function pointCandidatesAt(sdp, host, port) {
          const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
          const candidate = 'a=candidate:1 1 udp 2130706431 ' + host + ' ' + port + ' typ host';
          const connection = (host.includes(':') ? 'c=IN IP6 ' : 'c=IN IP4 ') + host;
          const isCandidate = line => line.startsWith('a=candidate:');
          const output = [];
          let section = [];
          const flush = () => {
            const first = section.findIndex(isCandidate);
            section.forEach((line, i) => {
              if (first < 0) { output.push(line); return; }
              if (i === first) output.push(candidate);
              if (isCandidate(line)) return;
              if (line.startsWith('m=')) {
                const fields = line.split(' ');
                if (fields.length > 1 && fields[1] !== '0') fields[1] = String(port);
                line = fields.join(' ');
              } else if (line.startsWith('c=')) {
                line = connection;
              }
              output.push(line);
            });
            section = [];
          };
          for (const line of sdp.split(eol)) {
            if (line.startsWith('m=')) flush();
            section.push(line);
          }
          flush();
          return output.join(eol);
        }
        """;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Closing the sockets wakes the receive threads; stopping the shapers wakes theirs and frees their queues.
        _peerSocket.Dispose();
        _nodeSocket.Dispose();
        _downlink.Stop();
        _uplink.Stop();
        _peerReceiver.Join(TimeSpan.FromSeconds(2));
        _nodeReceiver.Join(TimeSpan.FromSeconds(2));
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private bool Disposed => Volatile.Read(ref _disposed) != 0;

    private void ReceiveFromPeer()
    {
        var buffer = new byte[MaxDatagram];
        var from = new SocketAddress(_peerSocket.AddressFamily);
        while (!Disposed)
        {
            int length;
            try
            {
                length = _peerSocket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                continue; // closed (the loop ends), or an ICMP error reported on the socket: carry on
            }

            if (_peer is not { } peer || !peer.Address.Equals(from))
            {
                _peer = new Peer(from);
            }

            _uplink.Enqueue(buffer.AsSpan(0, length));
        }
    }

    private void ReceiveFromNode()
    {
        var buffer = new byte[MaxDatagram];
        while (!Disposed)
        {
            int length;
            try
            {
                length = _nodeSocket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                continue; // as above; a connected socket also reports the target's port being closed
            }

            if (_peer is null)
            {
                _downlink.CountDrop();
                continue;
            }

            _downlink.Enqueue(buffer.AsSpan(0, length));
        }
    }

    private bool SendToPeer(ReadOnlySpan<byte> packet)
    {
        try
        {
            _peerSocket.SendTo(packet, SocketFlags.None, _peer!.Address);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private bool SendToNode(ReadOnlySpan<byte> packet)
    {
        try
        {
            _nodeSocket.Send(packet);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>The peer's address, copied once per change (the receive loop reuses its own).</summary>
    private sealed class Peer
    {
        public Peer(SocketAddress address)
        {
            Address = new SocketAddress(address.Family, address.Size);
            address.Buffer.Span[..address.Size].CopyTo(Address.Buffer.Span);
            EndPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(Address);
        }

        public SocketAddress Address { get; }

        public IPEndPoint EndPoint { get; }
    }

    private delegate bool PacketSender(ReadOnlySpan<byte> packet);

    /// <summary>One direction: token bucket, drop-tail byte-limited FIFO, and the thread that releases packets.</summary>
    private sealed class Shaper
    {
        private const int BurstPackets = 1;
        private const int PacketBytes = 1500;
        private const double BurstSeconds = 0.002;
        private const long UnlimitedQueueBytes = 16 << 20;
        private const int MeasureSlots = 10;
        private static readonly long SlotTicks = Stopwatch.Frequency / MeasureSlots;

        private readonly object _gate = new();
        private readonly Queue<(byte[] Buffer, int Length)> _queue = new();
        private readonly double _queueSeconds;
        private readonly PacketSender _send;
        private readonly Thread _thread;
        private long _bitsPerSecond;
        private double _tokens;
        private long _refilledAt;
        private long _queuedBytes;
        private bool _stopped;
        private long _packetsForwarded;
        private long _bytesForwarded;
        private long _packetsDropped;

        // Bytes sent per tenth of a second, for the last second: slot i holds the bytes of period _slotPeriods[i].
        private readonly long[] _slotBytes = new long[MeasureSlots];
        private readonly long[] _slotPeriods = new long[MeasureSlots];

        public Shaper(string name, long bitsPerSecond, TimeSpan queueDelay, PacketSender send)
        {
            _bitsPerSecond = bitsPerSecond;
            _queueSeconds = queueDelay.TotalSeconds;
            _send = send;
            _tokens = Burst(bitsPerSecond);
            _refilledAt = Stopwatch.GetTimestamp();
            Array.Fill(_slotPeriods, -1);
            _thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
            _thread.Start();
        }

        public long BitsPerSecond
        {
            get => Volatile.Read(ref _bitsPerSecond);
            set
            {
                ArgumentOutOfRangeException.ThrowIfNegative(value);
                lock (_gate)
                {
                    Refill(Stopwatch.GetTimestamp()); // tokens so far accrue at the old rate
                    _bitsPerSecond = value;
                    _tokens = Math.Min(_tokens, Burst(value));
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public long PacketsForwarded => Interlocked.Read(ref _packetsForwarded);

        public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);

        public long PacketsDropped => Interlocked.Read(ref _packetsDropped);

        public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

        public long MeasuredBitsPerSecond
        {
            get
            {
                var now = Stopwatch.GetTimestamp();
                var period = now / SlotTicks;
                long bytes = 0;
                lock (_slotBytes)
                {
                    for (var i = 0; i < MeasureSlots; i++)
                    {
                        if (_slotPeriods[i] > period - MeasureSlots)
                        {
                            bytes += _slotBytes[i];
                        }
                    }
                }

                // The window: the nine whole slots before this one, and this one so far.
                var seconds = (double)((MeasureSlots - 1) * SlotTicks + now % SlotTicks) / Stopwatch.Frequency;
                return (long)(bytes * 8 / seconds);
            }
        }

        public void CountDrop() => Interlocked.Increment(ref _packetsDropped);

        public void Enqueue(ReadOnlySpan<byte> packet)
        {
            lock (_gate)
            {
                if (_stopped || _queuedBytes + packet.Length > QueueLimit(_bitsPerSecond))
                {
                    Interlocked.Increment(ref _packetsDropped);
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
                packet.CopyTo(buffer);
                _queue.Enqueue((buffer, packet.Length));
                Interlocked.Add(ref _queuedBytes, packet.Length);
                if (_queue.Count == 1)
                {
                    Monitor.Pulse(_gate);
                }
            }
        }

        public void Stop()
        {
            lock (_gate)
            {
                _stopped = true;
                Monitor.PulseAll(_gate);
            }

            _thread.Join(TimeSpan.FromSeconds(2));
            lock (_gate)
            {
                while (_queue.TryDequeue(out var item))
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }

                Interlocked.Exchange(ref _queuedBytes, 0);
            }
        }

        private long QueueLimit(long bitsPerSecond) =>
            bitsPerSecond == 0 ? UnlimitedQueueBytes : Math.Max(PacketBytes, (long)(bitsPerSecond / 8.0 * _queueSeconds));

        private static double Burst(long bitsPerSecond) => Math.Max(BurstPackets * PacketBytes, bitsPerSecond / 8.0 * BurstSeconds);

        private void Refill(long now)
        {
            if (_bitsPerSecond > 0)
            {
                var seconds = (double)(now - _refilledAt) / Stopwatch.Frequency;
                _tokens = Math.Min(Burst(_bitsPerSecond), _tokens + seconds * _bitsPerSecond / 8.0);
            }

            _refilledAt = now;
        }

        private void Run()
        {
            while (true)
            {
                (byte[] Buffer, int Length) item;
                lock (_gate)
                {
                    while (true)
                    {
                        if (_stopped)
                        {
                            return;
                        }

                        if (_queue.Count == 0)
                        {
                            Monitor.Wait(_gate);
                            continue;
                        }

                        Refill(Stopwatch.GetTimestamp());
                        var length = _queue.Peek().Length;
                        // A packet larger than the whole bucket goes once the bucket is full, leaving a debt.
                        var needed = Math.Min(length, Burst(_bitsPerSecond));
                        if (_bitsPerSecond == 0 || _tokens >= needed)
                        {
                            if (_bitsPerSecond > 0)
                            {
                                _tokens -= length;
                            }

                            item = _queue.Dequeue();
                            Interlocked.Add(ref _queuedBytes, -length);
                            break;
                        }

                        var waitMs = (needed - _tokens) * 8000.0 / _bitsPerSecond;
                        Monitor.Wait(_gate, Math.Max(1, (int)Math.Ceiling(waitMs)));
                    }
                }

                if (_send(item.Buffer.AsSpan(0, item.Length)))
                {
                    Interlocked.Increment(ref _packetsForwarded);
                    Interlocked.Add(ref _bytesForwarded, item.Length);
                    Record(item.Length);
                }
                else
                {
                    Interlocked.Increment(ref _packetsDropped);
                }

                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }

        private void Record(int bytes)
        {
            var period = Stopwatch.GetTimestamp() / SlotTicks;
            var slot = (int)(period % MeasureSlots);
            lock (_slotBytes)
            {
                if (_slotPeriods[slot] != period)
                {
                    _slotPeriods[slot] = period;
                    _slotBytes[slot] = 0;
                }

                _slotBytes[slot] += bytes;
            }
        }
    }
}
