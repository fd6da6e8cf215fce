using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Congestion;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// The forwarding side of one node: rooms and their sessions, all on one media socket. Knows nothing of HTTP:
/// the server turns requests into <see cref="ISfu"/> calls and <see cref="SfuError"/>s into statuses. Membership
/// changes under the node's lock; the lock is never held across a send, a DTLS close or an event handler (see
/// docs/threading.md).
/// </summary>
public sealed partial class SfuNode : ISfu, IDisposable
{
    private readonly SfuOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Negotiator _negotiator;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly Dictionary<RoomId, Room> _rooms = [];
    private ImmutableArray<Room> _roomList = [];
    private readonly UdpMux _mux;
    private long _lastReports;
    private long _version;

    public SfuNode(SfuOptions options, TimeProvider? time = null, ILogger<SfuNode>? logger = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Certificate = DtlsCertificate.Generate();
        _mux = new UdpMux(options.MediaEndPoint, _time);
        _mux.Start();
        var port = _mux.LocalEndPoint.Port;
        Announced = [.. options.AnnouncedAddresses.Select(a => new IPEndPoint(a, port))];
        _negotiator = new Negotiator(Certificate.Fingerprint, Announced);
        _lastReports = _time.GetTimestamp();
        _mux.HeartbeatTick = OnHeartbeat;
    }

    /// <summary>
    /// A session was created; raised outside the node's lock before its transport starts, so it always comes
    /// before the session's <see cref="SfuSession.MediaStarted"/> and <see cref="SessionEnded"/>.
    /// </summary>
    public event Action<SfuSession>? SessionCreated;

    /// <summary>A session ended (DELETE, kick, or its transport failing), raised outside the node's lock.</summary>
    public event Action<SfuSession>? SessionEnded;

    public DtlsCertificate Certificate { get; }

    /// <summary>Where conference sessions' <c>control</c> channels go (the server's room signalling); null drops them.</summary>
    public Data.IConferenceSignalling? ConferenceSignalling { get; set; }

    /// <summary>Where a conference's data messages go first (a protocol routing its own, LiveKit's); null: the room's relay.</summary>
    public Data.IConferenceDataRouter? ConferenceData { get; set; }

    /// <summary>Where the media socket listens (every session shares it).</summary>
    public IPEndPoint MediaEndPoint => _mux.LocalEndPoint;

    /// <summary>The ICE host candidates every answer carries.</summary>
    public IReadOnlyList<IPEndPoint> Announced { get; }

    /// <summary>The ICE host candidates for <see cref="Announced"/>, as answers carry them.</summary>
    public IReadOnlyList<IceCandidate> Candidates => _negotiator.Candidates;

    /// <summary>The media socket's counters (datagrams in and out, drops by cause).</summary>
    public UdpMuxStats MediaStats => _mux.Stats;

    /// <summary>The media socket, for tests that shape the network and benchmarks.</summary>
    internal UdpMux Mux => _mux;

    /// <summary>A snapshot of the live rooms, replaced whole on change (read without the lock, by the heartbeat too).</summary>
    public IReadOnlyList<Room> Rooms => _roomList;

    /// <summary>The live WHIP/WHEP streams (rooms of <see cref="RoomKind.Stream"/>), a new list per call.</summary>
    public IReadOnlyList<Room> Streams => [.. _roomList.Where(r => r.Kind == RoomKind.Stream)];

    /// <summary>The live conferences (rooms of <see cref="RoomKind.Conference"/>), a new list per call.</summary>
    public IReadOnlyList<Room> Conferences => [.. _roomList.Where(r => r.Kind == RoomKind.Conference)];

    /// <summary>
    /// Bumped on every change an operator sees: a room created or deleted, a session created, connected or
    /// ended. Readers (the admin event stream) poll it instead of subscribing, so no node thread ever waits on them.
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    public bool TryGetRoom(RoomId id, out Room? room)
    {
        lock (_lock)
        {
            return _rooms.TryGetValue(id, out room);
        }
    }

    public ValueTask<SfuResult<SessionAnswer>> PublishAsync(RoomId room, string offerSdp, string? owner, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Publish(room, offerSdp, owner));

    public ValueTask<SfuResult<SessionAnswer>> SubscribeAsync(RoomId room, string offerSdp, string? owner, bool relay = false, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Subscribe(room, offerSdp, owner, relayed: relay ? r => r.PublishedTracks : null));

    public ValueTask<SfuResult<SessionAnswer>> JoinAsync(RoomId room, SessionRole role, Participant participant, string offerSdp, string? owner, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(role == SessionRole.Publisher ? Publish(room, offerSdp, owner, participant) : Subscribe(room, offerSdp, owner, participant));

    public ValueTask<SfuSession?> FindSessionAsync(RoomId room, SessionId session, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(FindSession(room, session));

    public ValueTask<SfuResult<IceParameters>> RestartIceAsync(RoomId room, SessionId session, IceParameters remote, string? ifMatch, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(RestartIce(room, session, remote, ifMatch));

    public ValueTask<bool> EndSessionAsync(RoomId room, SessionId session, SessionEndReason reason, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(FindSession(room, session) is { } found && EndSession(found, reason));

    public ValueTask<bool> CreateRoomAsync(RoomId room, CancellationToken cancellationToken = default) => ValueTask.FromResult(CreateRoom(room));

    public ValueTask<bool> DeleteRoomAsync(RoomId room, CancellationToken cancellationToken = default) => ValueTask.FromResult(DeleteRoom(room));

    /// <summary>
    /// A publisher's offer (WHIP, or a participant joining a conference): a session feeding the room, or why not. A
    /// stream has one publisher; a conference any number, one per full id.
    /// </summary>
    public SfuResult<SessionAnswer> Publish(RoomId roomId, string offerSdp, string? owner = null, Participant? participant = null)
    {
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        var localIce = IceParameters.Generate();
        if (_negotiator.AnswerPublisher(offer!, localIce, out var answerSdp, out var tracks) is { } unusable)
        {
            return unusable;
        }

        PublisherSession session;
        lock (_lock)
        {
            var room = GetOrCreateRoom(roomId);
            if (roomId.Kind == RoomKind.Stream && !room.Publishers.IsEmpty)
            {
                RemoveIfEmpty(room);
                return new SfuError(SfuErrorKind.PublisherExists, $"stream '{roomId}' already has a publisher");
            }

            if (Duplicate(room.Publishers, participant))
            {
                RemoveIfEmpty(room);
                return new SfuError(SfuErrorKind.Duplicate, "duplicate publisher");
            }

            var transport = CreateTransport(offer!, answerSdp!, localIce, tracks.Count > 0, roomId.Kind);
            session = new PublisherSession(room, transport, RemoteIce(offer!), tracks, _time, _options.MaxVideoBitrate, participant) { Owner = owner };
            session.LocalDescription = answerSdp!;
            AttachData(session, offer!, answerSdp!);
            room.Publishers = room.Publishers.Add(session);

            // A publisher's tracks feed the room from the start: its first packets arrive the moment DTLS completes,
            // before the thread pool could run OnConnected, and audio has no retransmission to recover them.
            session.IsActive = true;
            room.Rebind();
            Interlocked.Increment(ref _version);
        }

        Start(session, "publisher");
        return new SessionAnswer(session, answerSdp!.ToString());
    }

    /// <summary>
    /// A subscriber's offer (WHEP, or a participant joining a conference): a session receiving the room's tracks,
    /// now or once they arrive (in a conference, through the node's offers).
    /// </summary>
    /// <param name="relayed">
    /// For another node's relay: the tracks it will carry, in order (every encoding of each is sent, on SSRCs of its
    /// own, so that node chooses for its own viewers); null for a viewer.
    /// </param>
    public SfuResult<SessionAnswer> Subscribe(RoomId roomId, string offerSdp, string? owner = null, Participant? participant = null,
        Func<Room, IReadOnlyList<PublishedTrack>>? relayed = null)
    {
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        SubscriberSession session;
        SessionDescription answerSdp;
        lock (_lock)
        {
            var room = GetOrCreateRoom(roomId);
            if (Duplicate(room.Subscribers, participant))
            {
                RemoveIfEmpty(room);
                return new SfuError(SfuErrorKind.Duplicate, "duplicate subscriber");
            }

            var localIce = IceParameters.Generate();
            var codecs = roomId.Kind == RoomKind.Stream ? PublisherCodecs(room) : null;
            var carried = relayed?.Invoke(room);
            var error = _negotiator.AnswerSubscriber(offer!, localIce, roomId.Value, codecs, out var answer, out var tracks,
                carried is null ? null : (kind, ordinal) => carried.Where(t => t.Kind == kind).ElementAtOrDefault(ordinal)?.Encodings.Length ?? 1);
            if (error is not null)
            {
                RemoveIfEmpty(room);
                return error;
            }

            answerSdp = answer!;
            var transport = CreateTransport(offer!, answerSdp, localIce, tracks.Count > 0, roomId.Kind);
            session = new SubscriberSession(room, transport, RemoteIce(offer!), tracks, _time, CongestionOptions) { Owner = owner, Participant = participant };
            session.LocalDescription = answerSdp;
            AttachData(session, offer!, answerSdp);
            room.Subscribers = room.Subscribers.Add(session);
            Interlocked.Increment(ref _version);
        }

        Start(session, "subscriber");
        return new SessionAnswer(session, answerSdp.ToString());
    }

    public SfuSession? FindSession(RoomId roomId, SessionId sessionId)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(roomId, out var room))
            {
                return null;
            }

            foreach (var publisher in room.Publishers)
            {
                if (publisher.Id == sessionId)
                {
                    return publisher;
                }
            }

            foreach (var subscriber in room.Subscribers)
            {
                if (subscriber.Id == sessionId)
                {
                    return subscriber;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// ICE restart (RFC 9725 §4.4.2). The session must still be live and, when <paramref name="ifMatch"/> is
    /// given, still carry that entity tag; both are checked under the node's lock, so a restart cannot revive an
    /// ended session or race another restart.
    /// </summary>
    public SfuResult<IceParameters> RestartIce(RoomId roomId, SessionId sessionId, IceParameters remote, string? ifMatch)
    {
        lock (_lock)
        {
            return Live(roomId, sessionId, ifMatch, out var session) is { } gone ? gone : session!.RestartIce(remote);
        }
    }

    /// <summary>Ends a session (DELETE, kick, or its transport failing). False if it was already gone.</summary>
    public bool EndSession(SfuSession session, SessionEndReason reason)
    {
        lock (_lock)
        {
            var room = session.Room;
            var removed = false;
            if (session is PublisherSession publisher && room.Publishers.Contains(publisher))
            {
                room.Publishers = room.Publishers.Remove(publisher);
                removed = true;
            }
            else if (session is SubscriberSession subscriber && room.Subscribers.Contains(subscriber))
            {
                room.Subscribers = room.Subscribers.Remove(subscriber);
                removed = true;
            }

            if (!removed)
            {
                return false;
            }

            session.IsActive = false;
            session.EndReason = reason;
            session.Detach();
            room.Rebind();
            RemoveIfEmpty(room);
            Interlocked.Increment(ref _version);
        }

        // Outside the lock: closing sends close_notify, and handlers may take their own locks.
        session.Dispose();
        SessionEnded?.Invoke(session);
        if (session is PublisherSession)
        {
            TracksChanged?.Invoke(session.Room);
        }

        LogSessionEnded(session.Id.Value, RoleName(session), session.Room.Id.Value, session.Transport.FailureReason ?? reason.ToString());
        return true;
    }

    /// <summary>
    /// Creates an empty room that stays until <see cref="DeleteRoom"/>, even with no sessions, so subscribers
    /// can wait in it for a publisher. False if the room exists.
    /// </summary>
    public bool CreateRoom(RoomId roomId)
    {
        lock (_lock)
        {
            if (_rooms.ContainsKey(roomId))
            {
                return false;
            }

            GetOrCreateRoom(roomId).KeepWhenEmpty = true;
            Interlocked.Increment(ref _version);
        }

        LogStreamCreated(roomId.Value);
        return true;
    }

    /// <summary>Ends every session of a room (each peer gets close_notify) and removes it. False if unknown.</summary>
    public bool DeleteRoom(RoomId roomId)
    {
        Room? room;
        lock (_lock)
        {
            if (!_rooms.Remove(roomId, out room))
            {
                return false;
            }

            _roomList = _roomList.Remove(room);

            room.KeepWhenEmpty = false;
            Interlocked.Increment(ref _version);
        }

        foreach (var publisher in room.Publishers)
        {
            EndSession(publisher, SessionEndReason.Kicked);
        }

        foreach (var subscriber in room.Subscribers)
        {
            EndSession(subscriber, SessionEndReason.Kicked);
        }

        LogStreamDeleted(roomId.Value);
        return true;
    }

    private void Start(SfuSession session, string role)
    {
        Watch(session);
        SessionCreated?.Invoke(session);
        if (session.Outbound is { } outbound)
        {
            outbound.Start();
        }
        else
        {
            session.Transport.Start();
        }

        LogSessionCreated(session.Id.Value, role, session.Room.Id.Value);
    }

    private void Watch(SfuSession session)
    {
        session.Transport.StateChanged += (transport, state) =>
        {
            // The transport reports from its own threads while holding its locks (ICE's, on a consent timeout);
            // the node's lock is taken by HTTP threads before a transport's. So act from the thread pool, never here.
            switch (state)
            {
                case TransportState.Connected:
                    ThreadPool.UnsafeQueueUserWorkItem(static state => state.Node.OnConnected(state.Session), (Node: this, Session: session), preferLocal: false);
                    Interlocked.Increment(ref _version);
                    break;
                case TransportState.Disconnected:
                    Interlocked.Increment(ref _version);
                    break;
                case TransportState.Failed or TransportState.Closed:
                    var reason = transport.Failure switch
                    {
                        TransportFailure.IceNoConnectivity => SessionEndReason.IceFailed,
                        TransportFailure.IceConsentExpired => SessionEndReason.ConsentExpired,
                        TransportFailure.Dtls => SessionEndReason.DtlsFailed,
                        _ => SessionEndReason.ClosedByPeer,
                    };
                    ThreadPool.UnsafeQueueUserWorkItem(static state => state.Node.EndSession(state.Session, state.Reason), (Node: this, Session: session, Reason: reason), preferLocal: false);
                    break;
            }
        };
    }

    private void OnConnected(SfuSession session)
    {
        lock (_lock)
        {
            var room = session.Room;
            var live = session is PublisherSession publisher ? room.Publishers.Contains(publisher) : room.Subscribers.Contains((SubscriberSession)session);
            if (!live || session.Transport.State != TransportState.Connected)
            {
                return;
            }

            session.ConnectedAt ??= _time.GetUtcNow();
            session.IsActive = true;
            room.Rebind();
            Interlocked.Increment(ref _version);
        }

        // Outside the lock: a DTLS client's association sends INIT.
        session.Data?.Start();

        if (session is PublisherSession)
        {
            TracksChanged?.Invoke(session.Room);
        }
    }

    private void AttachData(SfuSession session, SessionDescription offer, SessionDescription answer)
    {
        if (NegotiatedData.From(offer, answer) is { } data)
        {
            session.AttachData(data, _options, () => ConferenceSignalling, () => ConferenceData);
        }
    }

    private static bool Duplicate<TSession>(ImmutableArray<TSession> sessions, Participant? participant)
        where TSession : SfuSession
    {
        if (participant is not { } joining)
        {
            return false;
        }

        foreach (var session in sessions)
        {
            if (session.Participant?.FullId == joining.FullId)
            {
                return true;
            }
        }

        return false;
    }

    private WebRtcTransport CreateTransport(SessionDescription offer, SessionDescription answer, IceParameters localIce, bool hasMedia, RoomKind kind)
    {
        var remote = RemoteTransport(offer);

        // An offer that says setup:passive makes us the DTLS client (RFC 8842 §5.3): the answer says active.
        var setup = answer.Media.FirstOrDefault(m => m.Port != 0)?.Setup;
        return new WebRtcTransport(_mux, new WebRtcTransportOptions
        {
            Certificate = Certificate,
            LocalIce = localIce,
            RemoteIce = remote.Ice,
            RemoteFingerprint = remote.Fingerprint,
            DtlsRole = setup == DtlsSetup.Active ? DtlsRole.Client : DtlsRole.Server,
            // A data-channel-only session needs no SRTP: a peer may leave use_srtp out.
            RequireSrtp = hasMedia,
            Ice = IceOptions(kind),
        }, _time);
    }

    /// <summary>ICE timers by room kind: a conference notices a closed tab (which sends nothing) in seconds, so the others see the person leave.</summary>
    private IceAgentOptions IceOptions(RoomKind kind) => kind == RoomKind.Conference
        ? new IceAgentOptions { ConsentTimeout = _options.ConferenceConsentTimeout, DisconnectTimeout = _options.ConferenceDisconnectTimeout }
        : new IceAgentOptions { ConsentTimeout = _options.ConsentTimeout, DisconnectTimeout = _options.DisconnectTimeout };

    private static IceParameters RemoteIce(SessionDescription offer) => RemoteTransport(offer).Ice;

    private static RemoteTransportParameters RemoteTransport(SessionDescription offer) =>
        RemoteTransportParameters.TryRead(offer, out var remote, out var error)
            ? remote
            : throw new InvalidOperationException("The negotiator accepted an offer without transport parameters: " + error);

    private static SfuError? Parse(string text, out SessionDescription? offer)
    {
        if (!SessionDescription.TryParse(text, out offer, out var error))
        {
            return new SfuError(SfuErrorKind.InvalidSdp, "malformed SDP offer: " + error);
        }

        return null;
    }

    private static IReadOnlyList<SdpCodecCapability>? PublisherCodecs(Room room)
    {
        if (room.Publishers.IsEmpty)
        {
            return null;
        }

        return [.. room.Publishers.SelectMany(p => p.PublishedTracks).SelectMany(t => t.Codecs.Select(c => c.Capability))];
    }

    private Room GetOrCreateRoom(RoomId id)
    {
        if (!_rooms.TryGetValue(id, out var room))
        {
            room = new Room(id, _time.GetUtcNow());
            _rooms[id] = room;
            _roomList = _roomList.Add(room);
        }

        return room;
    }

    private void RemoveIfEmpty(Room room)
    {
        if (room.IsEmpty && !room.KeepWhenEmpty && _rooms.TryGetValue(room.Id, out var current) && current == room)
        {
            _rooms.Remove(room.Id);
            _roomList = _roomList.Remove(room);
        }
    }

    /// <summary>
    /// The mux's heartbeat (100 ms, on its receive thread) is the node's clock: NACK retries toward publishers on
    /// every tick, receiver reports once a second.
    /// </summary>
    private void OnHeartbeat()
    {
        var sendReports = _time.GetElapsedTime(_lastReports) >= ReportInterval;
        if (sendReports)
        {
            _lastReports = _time.GetTimestamp();
        }

        foreach (var room in _roomList)
        {
            foreach (var publisher in room.Publishers)
            {
                publisher.OnHeartbeat(sendReports);
                publisher.Data?.Tick();
            }

            foreach (var subscriber in room.Subscribers)
            {
                subscriber.OnHeartbeat();
                subscriber.Data?.Tick();
            }
        }
    }

    /// <summary>How a subscriber's bandwidth is estimated; null when congestion control is off.</summary>
    private BandwidthEstimatorOptions? CongestionOptions => _options.CongestionControl
        ? new BandwidthEstimatorOptions { InitialBitrate = _options.InitialSubscriberBitrate, MaxBitrate = _options.MaxSubscriberBitrate }
        : null;

    private static string RoleName(SfuSession session) => session.Role == SessionRole.Publisher ? "publisher" : "subscriber";

    public void Dispose()
    {
        _mux.HeartbeatTick = null;
        foreach (var room in Rooms)
        {
            foreach (var publisher in room.Publishers)
            {
                publisher.EndReason = SessionEndReason.NodeStopped;
                publisher.Dispose();
            }

            foreach (var subscriber in room.Subscribers)
            {
                subscriber.EndReason = SessionEndReason.NodeStopped;
                subscriber.Dispose();
            }
        }

        _mux.Dispose();
        Certificate.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "Session {SessionId} created: {Role} of stream '{StreamId}'")]
    private partial void LogSessionCreated(string sessionId, string role, string streamId);

    [LoggerMessage(2, LogLevel.Information, "Session {SessionId} ended: {Role} of stream '{StreamId}' ({Reason})")]
    private partial void LogSessionEnded(string sessionId, string role, string streamId, string reason);

    [LoggerMessage(3, LogLevel.Information, "Stream '{StreamId}' created")]
    private partial void LogStreamCreated(string streamId);

    [LoggerMessage(4, LogLevel.Information, "Stream '{StreamId}' deleted")]
    private partial void LogStreamDeleted(string streamId);
}
