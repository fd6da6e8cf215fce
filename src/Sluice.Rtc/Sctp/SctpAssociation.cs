using System.Security.Cryptography;

namespace Sluice.Rtc.Sctp;

/// <summary>The association's state (RFC 9260 §4), reduced to what a WebRTC endpoint passes through.</summary>
public enum SctpState
{
    Closed,
    CookieWait,
    CookieEchoed,
    Established,
    ShutdownPending,
    ShutdownSent,
    ShutdownReceived,
    ShutdownAckSent,
}

/// <summary>Why an association ended.</summary>
public enum SctpCloseReason
{
    None,
    Shutdown,
    AbortReceived,
    Aborted,
    TooManyRetransmissions,
}

/// <summary>Settings of one association; the defaults are what WebRTC peers expect (RFC 8831, RFC 8841).</summary>
public sealed record SctpAssociationOptions
{
    /// <summary>The DTLS client initiates the association (sends INIT) and uses even stream ids (RFC 8832 §6).</summary>
    public bool IsDtlsClient { get; init; }

    public ushort LocalPort { get; init; } = 5000;

    public ushort RemotePort { get; init; } = 5000;

    /// <summary>Bytes this end accepts in flight toward it (a_rwnd); at least the largest message.</summary>
    public uint ReceiveWindow { get; init; } = 1024 * 1024;

    /// <summary>The largest SCTP packet sent: fits one DTLS record in a 1200-byte datagram.</summary>
    public int MaxPacketSize { get; init; } = 1152;

    /// <summary>Below the RFC's 1 s, as WebRTC stacks choose (dcsctp: 500 ms).</summary>
    public TimeSpan RtoInitial { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Below the RFC's 1 s, as WebRTC stacks choose, but above the peer's delayed-SACK timeout (200 ms in usrsctp
    /// and dcsctp) plus margin: a smaller floor retransmits what is merely waiting for a delayed SACK.
    /// </summary>
    public TimeSpan RtoMin { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>The initial congestion window in packets: 10, as dcsctp and RFC 6928 for TCP argue, rather than RFC 9260's 4380 bytes.</summary>
    public int InitialCwndPackets { get; init; } = 10;

    public TimeSpan RtoMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive unanswered retransmissions (data, INIT, COOKIE-ECHO, HEARTBEAT) before the association fails.</summary>
    public int MaxRetransmissions { get; init; } = 10;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan CookieLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Where verification tags and initial TSNs come from; a seeded one makes a fuzz run repeatable.</summary>
    internal Random? Random { get; init; }

    /// <summary>INITs answered per second; more are dropped and counted (an INIT flood).</summary>
    public int MaxInitsPerSecond { get; init; } = 10;
}

/// <summary>Counters of one association, read with <see cref="Volatile"/> semantics by the API.</summary>
public sealed class SctpStats
{
    internal long _packetsReceived;
    internal long _packetsSent;
    internal long _badChecksum;
    internal long _malformed;
    internal long _badVerificationTag;
    internal long _initsDropped;
    internal long _badCookies;
    internal long _dataChunksReceived;
    internal long _duplicateTsns;
    internal long _dataDroppedWindow;
    internal long _messagesReceived;
    internal long _bytesReceived;
    internal long _messagesSent;
    internal long _bytesSent;
    internal long _retransmissions;
    internal long _fastRetransmits;
    internal long _timeouts;
    internal long _abandonedMessages;
    internal long _oversizedMessages;

    public long PacketsReceived => Volatile.Read(ref _packetsReceived);
    public long PacketsSent => Volatile.Read(ref _packetsSent);
    public long BadChecksum => Volatile.Read(ref _badChecksum);
    public long Malformed => Volatile.Read(ref _malformed);
    public long BadVerificationTag => Volatile.Read(ref _badVerificationTag);
    public long InitsDropped => Volatile.Read(ref _initsDropped);
    public long BadCookies => Volatile.Read(ref _badCookies);
    public long DataChunksReceived => Volatile.Read(ref _dataChunksReceived);
    public long DuplicateTsns => Volatile.Read(ref _duplicateTsns);
    public long DataDroppedWindow => Volatile.Read(ref _dataDroppedWindow);
    public long MessagesReceived => Volatile.Read(ref _messagesReceived);
    public long BytesReceived => Volatile.Read(ref _bytesReceived);
    public long MessagesSent => Volatile.Read(ref _messagesSent);
    public long BytesSent => Volatile.Read(ref _bytesSent);
    public long Retransmissions => Volatile.Read(ref _retransmissions);
    public long FastRetransmits => Volatile.Read(ref _fastRetransmits);
    public long Timeouts => Volatile.Read(ref _timeouts);
    public long AbandonedMessages => Volatile.Read(ref _abandonedMessages);
    public long OversizedMessages => Volatile.Read(ref _oversizedMessages);
}

/// <summary>A delivered message; <see cref="Data"/> belongs to the receiver.</summary>
public readonly record struct SctpMessage(ushort StreamId, uint Ppid, byte[] Data);

/// <summary>
/// One SCTP association over DTLS (RFC 8261), the subset WebRTC data channels need (RFC 8831 §6.2): the
/// four-way handshake with a signed state cookie, DATA with fragmentation and reassembly, SACK with gap blocks and
/// duplicates, retransmission on RTO and fast retransmit, congestion and flow control, HEARTBEAT, partial
/// reliability (FORWARD-TSN, RFC 3758) and stream reset (RFC 6525). Split by concern: the handshake and
/// dispatch here, sending and acknowledgement in <c>.Send.cs</c>, receiving and reassembly in <c>.Receive.cs</c>,
/// stream reset in <c>.Reconfig.cs</c>.
/// <para>Threading: every entry point takes the association's lock; packets are written and handed to the
/// output under it (the output takes the DTLS lock: association, then DTLS, never the reverse). Delivered
/// messages, resets and state changes are raised after the lock is released, in order, on the calling thread.
/// Timers run from <see cref="Tick"/>, which the owner calls on its clock (the mux heartbeat, every 100 ms).</para>
/// <para>Bad input never throws: a packet that fails its checksum, does not parse, or carries the wrong
/// verification tag is dropped and counted in <see cref="Stats"/>.</para>
/// </summary>
public sealed partial class SctpAssociation
{
    private readonly Lock _lock = new();
    private readonly SctpAssociationOptions _options;
    private readonly Action<ReadOnlySpan<byte>> _output;
    private readonly TimeProvider _time;
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly Random _random;
    private readonly byte[] _packet;
    private readonly List<SctpMessage> _delivered = [];
    private readonly List<ushort> _resetStreams = [];

    private SctpState _state;
    private SctpCloseReason _closeReason;
    private bool _stateChanged;
    private uint _localTag;
    private uint _peerTag;
    private uint _localInitialTsn;
    private bool _peerSupportsForwardTsn;
    private bool _peerSupportsReconfig;
    private ushort _peerInboundStreams = ushort.MaxValue;

    // INIT / COOKIE-ECHO retransmission (T1, RFC 9260 §5.1).
    private byte[]? _cookieEcho;
    private long _t1Expiry = long.MaxValue;
    private int _t1Count;

    private long _initWindowStart;
    private int _initsInWindow;
    private long _lastReceived;
    private long _heartbeatSentAt = long.MaxValue;
    private int _heartbeatMisses;

    public SctpAssociation(SctpAssociationOptions options, Action<ReadOnlySpan<byte>> output, TimeProvider? time = null)
    {
        _options = options;
        _output = output;
        _time = time ?? TimeProvider.System;
        _random = options.Random ?? Random.Shared;
        _packet = GC.AllocateArray<byte>(options.MaxPacketSize, pinned: true);
        _rto = options.RtoInitial;
        _cwnd = options.InitialCwndPackets * MaxDataPerPacket;
        _lastReceived = _time.GetTimestamp();
        _lastProgress = _lastReceived;
    }

    public SctpStats Stats { get; } = new();

    public SctpState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public SctpCloseReason CloseReason
    {
        get
        {
            lock (_lock)
            {
                return _closeReason;
            }
        }
    }

    /// <summary>Whether the peer accepts FORWARD-TSN (partial reliability); known once established.</summary>
    public bool PeerSupportsForwardTsn
    {
        get
        {
            lock (_lock)
            {
                return _peerSupportsForwardTsn;
            }
        }
    }

    /// <summary>
    /// Holds complete messages back instead of raising them (flow control toward the peer): they stay in the receive
    /// window, which closes as they accumulate, so the peer slows down. <see cref="ResumeDelivery"/> raises them.
    /// </summary>
    public void PauseDelivery()
    {
        lock (_lock)
        {
            _deliveryPaused = true;
        }
    }

    /// <summary>Raises the held messages, in order, and tells the peer its window opened again.</summary>
    public void ResumeDelivery()
    {
        lock (_lock)
        {
            if (!_deliveryPaused)
            {
                return;
            }

            _deliveryPaused = false;
            while (_held.TryDequeue(out var message))
            {
                _heldBytes -= message.Data.Length;
                _bytesHeld -= message.Data.Length;
                Deliver(message);
            }

            if (IsUp)
            {
                _sackDue = true;
                FlushLocked();
            }
        }

        RaiseEvents();
    }

    /// <summary>Whether delivery is paused; read without the lock (the relay asks on every packet).</summary>
    public bool IsDeliveryPaused => Volatile.Read(ref _deliveryPaused);

    /// <summary>
    /// True when data is outstanding toward the peer and none was acknowledged for <paramref name="after"/>: the peer
    /// stopped reading (or is gone). A slow peer that still acknowledges is not stalled.
    /// </summary>
    public bool IsStalled(TimeSpan after)
    {
        lock (_lock)
        {
            return _state == SctpState.Established && (_inflight.Count > 0 || _sendQueue.Count > 0) && _time.GetElapsedTime(_lastProgress) >= after;
        }
    }

    /// <summary>Messages that arrived complete and in order; raised outside the lock, on the receiving thread.</summary>
    public Action<SctpMessage>? MessageReceived { get; set; }

    /// <summary>The peer reset these incoming streams (its outgoing ones): their channels are closing (RFC 8831 §6.7).</summary>
    public Action<ushort>? StreamReset { get; set; }

    /// <summary>The state changed (established, or closed: see <see cref="CloseReason"/>).</summary>
    public Action<SctpState>? StateChanged { get; set; }

    /// <summary>The DTLS client sends INIT (RFC 8841 §? and RFC 8831: the DTLS roles pick the initiator); the server waits.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_state != SctpState.Closed || !_options.IsDtlsClient)
            {
                return;
            }

            _localTag = NonZeroRandom();
            _localInitialTsn = (uint)_random.NextInt64(0, uint.MaxValue);
            ResetOutboundSequence();
            SetState(SctpState.CookieWait);
            SendInit();
            ArmT1();
        }

        RaiseEvents();
    }

    /// <summary>One SCTP packet from DTLS application data. Never throws on bad input.</summary>
    public void Receive(ReadOnlySpan<byte> packet)
    {
        lock (_lock)
        {
            ReceiveLocked(packet);
            FlushLocked();
        }

        RaiseEvents();
    }

    /// <summary>The clock: retransmission timers, delayed SACK, heartbeat. Call every 100 ms or so.</summary>
    public void Tick()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            TickT1(now);
            if (_state is SctpState.Established or SctpState.ShutdownPending or SctpState.ShutdownReceived or SctpState.ShutdownSent)
            {
                TickRetransmission(now);
                TickReconfig(now);
                TickHeartbeat(now);
                if (_sackPending)
                {
                    _sackDue = true;
                }

                FlushLocked();
            }
        }

        RaiseEvents();
    }

    /// <summary>Ends the association abruptly with ABORT (e.g. the session ends).</summary>
    public void Abort()
    {
        lock (_lock)
        {
            if (_state == SctpState.Closed)
            {
                return;
            }

            var writer = NewPacket();
            writer.WriteCause(SctpChunkType.Abort, 0, SctpErrorCause.UserInitiatedAbort, []);
            Output(writer.Finish());
            Close(SctpCloseReason.Aborted);
        }

        RaiseEvents();
    }

    private void ReceiveLocked(ReadOnlySpan<byte> packet)
    {
        Interlocked.Increment(ref Stats._packetsReceived);
        if (!SctpPacket.TryRead(packet, out var sctp))
        {
            Interlocked.Increment(ref Stats._badChecksum);
            return;
        }

        if (sctp.DestinationPort != _options.LocalPort || sctp.SourcePort != _options.RemotePort)
        {
            // RFC 8841: both ports come from a=sctp-port; a packet for another port is not ours.
            Interlocked.Increment(ref Stats._malformed);
            return;
        }

        var first = true;
        var chunks = sctp.Chunks;
        foreach (var chunk in chunks)
        {
            if (first && !AcceptsTag(chunk, sctp.VerificationTag))
            {
                Interlocked.Increment(ref Stats._badVerificationTag);
                return;
            }

            if (chunk.Type is SctpChunkType.Init && !first)
            {
                // INIT must be alone in its packet (RFC 9260 §6.10).
                Interlocked.Increment(ref Stats._malformed);
                return;
            }

            first = false;
            HandleChunk(chunk);
            if (_state == SctpState.Closed && _closeReason != SctpCloseReason.None)
            {
                return;
            }
        }

        if (chunks.Malformed)
        {
            Interlocked.Increment(ref Stats._malformed);
        }

        _lastReceived = _time.GetTimestamp();
        AfterPacketReceived();
    }

    /// <summary>Verification tag rules (RFC 9260 §8.5, §8.5.1), checked on a packet's first chunk.</summary>
    private bool AcceptsTag(in SctpChunk chunk, uint tag) => chunk.Type switch
    {
        SctpChunkType.Init => tag == 0,
        // The cookie carries the tags; it is checked when opened.
        SctpChunkType.CookieEcho => true,
        SctpChunkType.Abort or SctpChunkType.ShutdownComplete when (chunk.Flags & 1) != 0 => tag == _peerTag,
        SctpChunkType.Abort => tag == _localTag || (_localTag == 0 && tag != 0),
        _ => _localTag != 0 && tag == _localTag,
    };

    private void HandleChunk(in SctpChunk chunk)
    {
        switch (chunk.Type)
        {
            case SctpChunkType.Init:
                OnInit(chunk);
                break;
            case SctpChunkType.InitAck:
                OnInitAck(chunk);
                break;
            case SctpChunkType.CookieEcho:
                OnCookieEcho(chunk);
                break;
            case SctpChunkType.CookieAck:
                if (_state == SctpState.CookieEchoed)
                {
                    _t1Expiry = long.MaxValue;
                    _cookieEcho = null;
                    SetState(SctpState.Established);
                }

                break;
            case SctpChunkType.Data:
                if (DataChunk.TryParse(chunk, out var data))
                {
                    OnData(data);
                }
                else
                {
                    Interlocked.Increment(ref Stats._malformed);
                }

                break;
            case SctpChunkType.Sack:
                if (SackChunk.TryParse(chunk, out var sack))
                {
                    OnSack(sack);
                }
                else
                {
                    Interlocked.Increment(ref Stats._malformed);
                }

                break;
            case SctpChunkType.Heartbeat:
                if (IsUp)
                {
                    // HEARTBEAT ACK echoes the Heartbeat Info parameter as it came (RFC 9260 §8.3).
                    var writer = NewPacket();
                    if (writer.Fits(chunk.Value.Length))
                    {
                        writer.WriteChunk(SctpChunkType.HeartbeatAck, 0, chunk.Value);
                        Output(writer.Finish());
                    }
                }

                break;
            case SctpChunkType.HeartbeatAck:
                OnHeartbeatAck(chunk);
                break;
            case SctpChunkType.ForwardTsn:
                if (ForwardTsnChunk.TryParse(chunk, out var forward))
                {
                    OnForwardTsn(forward);
                }
                else
                {
                    Interlocked.Increment(ref Stats._malformed);
                }

                break;
            case SctpChunkType.ReConfig:
                OnReconfig(chunk);
                break;
            case SctpChunkType.Abort:
                Close(SctpCloseReason.AbortReceived);
                break;
            case SctpChunkType.Shutdown:
                OnShutdown();
                break;
            case SctpChunkType.ShutdownAck:
                if (_state is SctpState.ShutdownSent or SctpState.ShutdownAckSent)
                {
                    var writer = NewPacket();
                    writer.WriteChunk(SctpChunkType.ShutdownComplete, 0, []);
                    Output(writer.Finish());
                    Close(SctpCloseReason.Shutdown);
                }

                break;
            case SctpChunkType.ShutdownComplete:
                if (_state == SctpState.ShutdownAckSent)
                {
                    Close(SctpCloseReason.Shutdown);
                }

                break;
            case SctpChunkType.Error:
                OnError(chunk);
                break;
            default:
                // Unknown chunk types: the two high bits say skip or stop, and whether to report (RFC 9260 §3.2).
                if (((byte)chunk.Type & 0x80) == 0)
                {
                    Interlocked.Increment(ref Stats._malformed);
                }

                break;
        }
    }

    private bool IsUp => _state is SctpState.Established or SctpState.ShutdownPending or SctpState.ShutdownReceived or SctpState.ShutdownSent;

    private void OnInit(in SctpChunk chunk)
    {
        if (!InitChunk.TryParse(chunk, out var init))
        {
            Interlocked.Increment(ref Stats._malformed);
            return;
        }

        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_initWindowStart, now) >= TimeSpan.FromSeconds(1))
        {
            _initWindowStart = now;
            _initsInWindow = 0;
        }

        if (++_initsInWindow > _options.MaxInitsPerSecond)
        {
            Interlocked.Increment(ref Stats._initsDropped);
            return;
        }

        // Stateless until COOKIE-ECHO (RFC 9260 §5.1.3). In COOKIE-WAIT / COOKIE-ECHOED (both ends initiated), the
        // INIT-ACK carries the tag of our own INIT so that either handshake completes the same association (§5.2.1).
        var localTag = _localTag != 0 ? _localTag : NonZeroRandom();
        var localTsn = _localTag != 0 ? _localInitialTsn : (uint)_random.NextInt64(0, uint.MaxValue);
        var cookie = new SctpStateCookie(localTag, init.InitiateTag, localTsn, init.InitialTsn, init.AdvertisedReceiverWindow,
            init.InboundStreams, init.OutboundStreams, init.SupportsForwardTsn, init.SupportsExtension(SctpChunkType.ReConfig),
            (long)_time.GetUtcNow().ToUnixTimeMilliseconds());
        Span<byte> cookieBytes = stackalloc byte[SctpStateCookie.Length];
        cookie.Write(cookieBytes, _secret);
        var writer = NewPacket(init.InitiateTag);
        writer.WriteInit(SctpChunkType.InitAck, localTag, _options.ReceiveWindow, ushort.MaxValue, ushort.MaxValue, localTsn, cookieBytes);
        Output(writer.Finish());
    }

    private void OnInitAck(in SctpChunk chunk)
    {
        if (_state != SctpState.CookieWait)
        {
            return;
        }

        if (!InitChunk.TryParse(chunk, out var ack) || !ack.TryGetParameter(SctpParameterType.StateCookie, out var cookie) || cookie.IsEmpty)
        {
            Interlocked.Increment(ref Stats._malformed);
            return;
        }

        AdoptPeer(ack.InitiateTag, ack.InitialTsn, ack.AdvertisedReceiverWindow, ack.InboundStreams, ack.SupportsForwardTsn, ack.SupportsExtension(SctpChunkType.ReConfig));
        _cookieEcho = cookie.ToArray();
        SetState(SctpState.CookieEchoed);
        SendCookieEcho();
        _t1Count = 0;
        ArmT1();
    }

    private void OnCookieEcho(in SctpChunk chunk)
    {
        if (!SctpStateCookie.TryRead(chunk.Value, _secret, out var cookie))
        {
            Interlocked.Increment(ref Stats._badCookies);
            return;
        }

        var age = _time.GetUtcNow().ToUnixTimeMilliseconds() - cookie.CreatedMilliseconds;
        if (age < -1000 || age > _options.CookieLifetime.TotalMilliseconds)
        {
            // Genuine but stale: tell the peer, which starts over with a new INIT (RFC 9260 §5.2.6).
            Interlocked.Increment(ref Stats._badCookies);
            if (!IsUp)
            {
                Span<byte> staleness = stackalloc byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(staleness, (uint)Math.Clamp((age - (long)_options.CookieLifetime.TotalMilliseconds) * 1000, 0, uint.MaxValue));
                var writer = NewPacket(cookie.PeerTag);
                writer.WriteCause(SctpChunkType.Error, 0, SctpErrorCause.StaleCookie, staleness);
                Output(writer.Finish());
            }

            return;
        }

        if (IsUp)
        {
            // A COOKIE-ECHO for the association we have: the COOKIE-ACK was lost (RFC 9260 §5.2.4 action D).
            if (cookie.LocalTag == _localTag && cookie.PeerTag == _peerTag)
            {
                SendCookieAck();
            }

            return;
        }

        if (_localTag != 0 && cookie.LocalTag != _localTag)
        {
            Interlocked.Increment(ref Stats._badCookies);
            return;
        }

        _localTag = cookie.LocalTag;
        if (_localInitialTsn != cookie.LocalInitialTsn || _state == SctpState.Closed)
        {
            _localInitialTsn = cookie.LocalInitialTsn;
            ResetOutboundSequence();
        }

        AdoptPeer(cookie.PeerTag, cookie.PeerInitialTsn, cookie.PeerReceiverWindow, cookie.PeerInboundStreams, cookie.PeerSupportsForwardTsn, cookie.PeerSupportsReconfig);
        _t1Expiry = long.MaxValue;
        _cookieEcho = null;
        SetState(SctpState.Established);
        SendCookieAck();
    }

    private void AdoptPeer(uint tag, uint initialTsn, uint window, ushort inboundStreams, bool forwardTsn, bool reconfig)
    {
        _peerTag = tag;
        _peerRwnd = window;
        // The initial slow-start threshold is the peer's window (RFC 9260 §7.2.1).
        _ssthresh = window;
        _peerInboundStreams = inboundStreams;
        _peerSupportsForwardTsn = forwardTsn;
        _peerSupportsReconfig = reconfig;
        InitializeInbound(initialTsn);
    }

    private void SendInit()
    {
        var writer = NewPacket(0);
        writer.WriteInit(SctpChunkType.Init, _localTag, _options.ReceiveWindow, ushort.MaxValue, ushort.MaxValue, _localInitialTsn, []);
        Output(writer.Finish());
    }

    private void SendCookieEcho()
    {
        var writer = NewPacket();
        writer.WriteChunk(SctpChunkType.CookieEcho, 0, _cookieEcho);
        Output(writer.Finish());
    }

    private void SendCookieAck()
    {
        var writer = NewPacket();
        writer.WriteChunk(SctpChunkType.CookieAck, 0, []);
        Output(writer.Finish());
    }

    private void ArmT1() => _t1Expiry = _time.GetTimestamp() + Ticks(_rto * Math.Pow(2, _t1Count));

    private void TickT1(long now)
    {
        if (now < _t1Expiry || _state is not (SctpState.CookieWait or SctpState.CookieEchoed))
        {
            return;
        }

        if (++_t1Count > _options.MaxRetransmissions)
        {
            Close(SctpCloseReason.TooManyRetransmissions);
            return;
        }

        if (_state == SctpState.CookieWait)
        {
            SendInit();
        }
        else
        {
            SendCookieEcho();
        }

        _t1Expiry = now + Ticks(Clamp(_rto * Math.Pow(2, _t1Count)));
    }

    private void TickHeartbeat(long now)
    {
        if (_heartbeatSentAt != long.MaxValue && _time.GetElapsedTime(_heartbeatSentAt, now) >= _rto + _options.HeartbeatInterval)
        {
            // Unanswered: counts toward the association's error count (RFC 9260 §8.1, §8.3).
            _heartbeatSentAt = long.MaxValue;
            if (++_heartbeatMisses > _options.MaxRetransmissions)
            {
                Close(SctpCloseReason.TooManyRetransmissions);
                return;
            }
        }

        if (_heartbeatSentAt == long.MaxValue && _time.GetElapsedTime(_lastReceived, now) >= _options.HeartbeatInterval)
        {
            Span<byte> info = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(info, now);
            var writer = NewPacket();
            writer.WriteHeartbeat(info);
            Output(writer.Finish());
            _heartbeatSentAt = now;
            _lastReceived = now;
        }
    }

    private void OnHeartbeatAck(in SctpChunk chunk)
    {
        _heartbeatSentAt = long.MaxValue;
        _heartbeatMisses = 0;
        var parameters = new SctpParameterEnumerator(chunk.Value);
        foreach (var p in parameters)
        {
            if (p.Type == (ushort)SctpParameterType.HeartbeatInfo && p.Value.Length == 8)
            {
                var sent = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(p.Value);
                var now = _time.GetTimestamp();
                if (sent > 0 && sent <= now)
                {
                    UpdateRto(_time.GetElapsedTime(sent, now));
                }
            }
        }
    }

    /// <summary>ERROR: a Stale Cookie answer to our COOKIE-ECHO restarts the handshake with a new INIT (RFC 9260 §5.2.6).</summary>
    private void OnError(in SctpChunk chunk)
    {
        if (_state != SctpState.CookieEchoed)
        {
            return;
        }

        var causes = new SctpParameterEnumerator(chunk.Value);
        foreach (var cause in causes)
        {
            if (cause.Type == (ushort)SctpErrorCause.StaleCookie)
            {
                _cookieEcho = null;
                SetState(SctpState.CookieWait);
                SendInit();
                _t1Count = 0;
                ArmT1();
                return;
            }
        }
    }

    private void OnShutdown()
    {
        if (!IsUp)
        {
            return;
        }

        // Everything we sent is acknowledged or abandoned before SHUTDOWN-ACK (RFC 9260 §9.2); a WebRTC peer
        // shuts down only when its channels are closed, so answer at once.
        SetState(SctpState.ShutdownAckSent);
        var writer = NewPacket();
        writer.WriteChunk(SctpChunkType.ShutdownAck, 0, []);
        Output(writer.Finish());
    }

    private void Close(SctpCloseReason reason)
    {
        if (_state == SctpState.Closed && _closeReason != SctpCloseReason.None)
        {
            return;
        }

        _closeReason = reason;
        _t1Expiry = long.MaxValue;
        ClearOutbound();
        SetState(SctpState.Closed);
    }

    private void SetState(SctpState state)
    {
        if (_state != state)
        {
            _state = state;
            _stateChanged = true;
        }
    }

    private void Output(ReadOnlySpan<byte> packet)
    {
        Interlocked.Increment(ref Stats._packetsSent);
        _output(packet);
    }

    /// <summary>Raises what the last locked section produced, outside the lock and in order.</summary>
    private void RaiseEvents()
    {
        SctpState? state = null;
        SctpMessage[]? messages = null;
        ushort[]? resets = null;
        lock (_lock)
        {
            if (_stateChanged)
            {
                _stateChanged = false;
                state = _state;
            }

            if (_delivered.Count > 0)
            {
                messages = [.. _delivered];
                _delivered.Clear();
            }

            if (_resetStreams.Count > 0)
            {
                resets = [.. _resetStreams];
                _resetStreams.Clear();
            }
        }

        if (state is { } s && s == SctpState.Established)
        {
            StateChanged?.Invoke(s);
        }

        if (messages is not null && MessageReceived is { } received)
        {
            foreach (var message in messages)
            {
                received(message);
            }
        }

        if (resets is not null && StreamReset is { } reset)
        {
            foreach (var stream in resets)
            {
                reset(stream);
            }
        }

        if (state is { } closed && closed == SctpState.Closed)
        {
            StateChanged?.Invoke(closed);
        }
    }

    private uint NonZeroRandom() => (uint)_random.NextInt64(1, uint.MaxValue);

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private TimeSpan Clamp(TimeSpan rto) => rto < _options.RtoMin ? _options.RtoMin : rto > _options.RtoMax ? _options.RtoMax : rto;
}
