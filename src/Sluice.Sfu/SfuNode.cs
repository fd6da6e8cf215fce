using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// The forwarding side of one node: streams and their sessions, all on one media socket. Knows nothing of
/// HTTP: the server turns requests into these calls and <see cref="SfuError"/>s into statuses.
/// </summary>
public sealed partial class SfuNode : IDisposable
{
    private readonly SfuOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Negotiator _negotiator;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MediaStream> _streams = new(StringComparer.Ordinal);
    private readonly ITimer _reportTimer;
    private long _version;

    public SfuNode(SfuOptions options, TimeProvider? time = null, ILogger<SfuNode>? logger = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Certificate = DtlsCertificate.Generate();
        Mux = new UdpMux(options.MediaEndPoint, _time);
        Mux.Start();
        var port = Mux.LocalEndPoint.Port;
        Announced = [.. options.AnnouncedAddresses.Select(a => new IPEndPoint(a, port))];
        _negotiator = new Negotiator(Certificate.Fingerprint, Announced);
        _reportTimer = _time.CreateTimer(_ => SendReports(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public UdpMux Mux { get; }

    /// <summary>
    /// A session was created; raised under the node's lock before its transport starts, so it always comes
    /// before the session's <see cref="SfuSession.MediaStarted"/> and <see cref="SessionEnded"/>. Handlers
    /// must be quick and must not call back into the node.
    /// </summary>
    public event Action<SfuSession>? SessionCreated;

    /// <summary>A session ended (DELETE, kick, or its transport failing), raised under the node's lock like <see cref="SessionCreated"/>.</summary>
    public event Action<SfuSession>? SessionEnded;

    public DtlsCertificate Certificate { get; }

    /// <summary>The ICE host candidates every answer carries.</summary>
    public IReadOnlyList<IPEndPoint> Announced { get; }

    /// <summary>The ICE host candidates for <see cref="Announced"/>, as answers carry them.</summary>
    public IReadOnlyList<IceCandidate> Candidates => _negotiator.Candidates;

    /// <summary>A snapshot of the live streams.</summary>
    public IReadOnlyList<MediaStream> Streams
    {
        get
        {
            lock (_lock)
            {
                return [.. _streams.Values];
            }
        }
    }

    /// <summary>
    /// Bumped on every change an operator sees: a stream created or deleted, a session created, connected or
    /// ended. Readers (the admin event stream) poll it instead of subscribing, so no node thread ever waits on them.
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    public bool TryGetStream(string streamId, out MediaStream? stream)
    {
        lock (_lock)
        {
            return _streams.TryGetValue(streamId, out stream);
        }
    }

    /// <summary>A publisher's offer (WHIP): a session feeding the stream, or why not.</summary>
    public SfuError? Publish(string streamId, string offerSdp, out SessionAnswer? answer)
    {
        answer = null;
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        var localIce = IceParameters.Generate();
        if (_negotiator.AnswerPublisher(offer!, localIce, out var answerSdp, out var tracks) is { } unusable)
        {
            return unusable;
        }

        lock (_lock)
        {
            var stream = GetOrCreateStream(streamId);
            if (stream.Publisher is not null)
            {
                RemoveIfEmpty(stream);
                return new SfuError(SfuErrorKind.PublisherExists, $"stream '{streamId}' already has a publisher");
            }

            var transport = CreateTransport(offer!, localIce);
            var session = new PublisherSession(stream, transport, RemoteIce(offer!), tracks, _time, _options.MaxVideoBitrate);
            stream.Publisher = session;
            Watch(session);
            SessionCreated?.Invoke(session);
            transport.Start();
            answer = new SessionAnswer(session, answerSdp!.ToString());
            Interlocked.Increment(ref _version);
            LogSessionCreated(session.Id, "publisher", streamId);
            return null;
        }
    }

    /// <summary>A subscriber's offer (WHEP): a session receiving the stream, now or once its publisher arrives.</summary>
    public SfuError? Subscribe(string streamId, string offerSdp, out SessionAnswer? answer)
    {
        answer = null;
        if (Parse(offerSdp, out var offer) is { } invalid)
        {
            return invalid;
        }

        lock (_lock)
        {
            var stream = GetOrCreateStream(streamId);
            var localIce = IceParameters.Generate();
            var error = _negotiator.AnswerSubscriber(offer!, localIce, streamId, PublisherCodecs(stream), out var answerSdp, out var tracks);
            if (error is not null)
            {
                RemoveIfEmpty(stream);
                return error;
            }

            var transport = CreateTransport(offer!, localIce);
            var session = new SubscriberSession(stream, transport, RemoteIce(offer!), tracks, _time);
            stream.Subscribers = stream.Subscribers.Add(session);
            Watch(session);
            SessionCreated?.Invoke(session);
            transport.Start();
            answer = new SessionAnswer(session, answerSdp!.ToString());
            Interlocked.Increment(ref _version);
            LogSessionCreated(session.Id, "subscriber", streamId);
            return null;
        }
    }

    public bool TryGetSession(string streamId, string sessionId, out SfuSession? session)
    {
        lock (_lock)
        {
            session = null;
            if (!_streams.TryGetValue(streamId, out var stream))
            {
                return false;
            }

            if (stream.Publisher?.Id == sessionId)
            {
                session = stream.Publisher;
                return true;
            }

            foreach (var subscriber in stream.Subscribers)
            {
                if (subscriber.Id == sessionId)
                {
                    session = subscriber;
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// ICE restart (RFC 9725 §4.4.2): the client's new credentials in, ours out. The session must still be live
    /// and, when <paramref name="ifMatch"/> is given, still carry that entity tag; both are checked under the
    /// node's lock, so a restart cannot revive an ended session or race another restart.
    /// </summary>
    public SfuError? RestartIce(SfuSession session, IceParameters remote, string? ifMatch, out IceParameters? local)
    {
        lock (_lock)
        {
            local = null;
            var live = session is PublisherSession ? session.Stream.Publisher == session : session.Stream.Subscribers.Contains((SubscriberSession)session);
            if (!live)
            {
                return new SfuError(SfuErrorKind.SessionNotFound, $"session '{session.Id}' of stream '{session.Stream.Id}' has ended");
            }

            if (ifMatch is { Length: > 0 } && ifMatch != "*" && ifMatch != session.ETag)
            {
                return new SfuError(SfuErrorKind.PreconditionFailed,
                    $"If-Match {ifMatch} does not match the session's current ETag {session.ETag}; fetch it again");
            }

            local = session.RestartIce(remote);
            return null;
        }
    }

    /// <summary>Ends a session (DELETE, kick, or its transport failing). False if it was already gone.</summary>
    public bool EndSession(SfuSession session)
    {
        lock (_lock)
        {
            var stream = session.Stream;
            var removed = false;
            if (session is PublisherSession && stream.Publisher == session)
            {
                stream.Publisher = null;
                removed = true;
            }
            else if (session is SubscriberSession subscriber && stream.Subscribers.Contains(subscriber))
            {
                stream.Subscribers = stream.Subscribers.Remove(subscriber);
                removed = true;
            }

            if (!removed)
            {
                return false;
            }

            session.Dispose();
            RemoveIfEmpty(stream);
            SessionEnded?.Invoke(session);
            Interlocked.Increment(ref _version);
            LogSessionEnded(session.Id, session.Role.ToString().ToLowerInvariant(), stream.Id, session.Transport.FailureReason ?? "ended");
            return true;
        }
    }

    /// <summary>
    /// Creates an empty stream that stays until <see cref="DeleteStream"/>, even with no sessions, so subscribers
    /// can wait in it for a publisher. False if the stream exists.
    /// </summary>
    public bool CreateStream(string streamId)
    {
        lock (_lock)
        {
            if (_streams.ContainsKey(streamId))
            {
                return false;
            }

            GetOrCreateStream(streamId).KeepWhenEmpty = true;
            Interlocked.Increment(ref _version);
            LogStreamCreated(streamId);
            return true;
        }
    }

    /// <summary>Ends every session of a stream (each peer gets close_notify) and removes it. False if unknown.</summary>
    public bool DeleteStream(string streamId)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(streamId, out var stream))
            {
                return false;
            }

            stream.KeepWhenEmpty = false;
            if (stream.Publisher is { } publisher)
            {
                EndSession(publisher);
            }

            foreach (var subscriber in stream.Subscribers)
            {
                EndSession(subscriber);
            }

            _streams.Remove(streamId);
            Interlocked.Increment(ref _version);
            LogStreamDeleted(streamId);
            return true;
        }
    }

    private void Watch(SfuSession session)
    {
        session.Transport.StateChanged += (_, state) =>
        {
            switch (state)
            {
                case TransportState.Connected:
                    session.ConnectedAt ??= _time.GetUtcNow();
                    session.Activate();
                    Interlocked.Increment(ref _version);
                    break;
                case TransportState.Failed or TransportState.Closed:
                    // The transport reports from its own threads while holding its locks (ICE's, on a consent
                    // timeout); ending the session takes the node's lock, and HTTP threads take the two in the
                    // other order (node, then transport). So end it from the thread pool, never from here.
                    ThreadPool.UnsafeQueueUserWorkItem(static state => state.Node.EndSession(state.Session), (Node: this, Session: session), preferLocal: false);
                    break;
            }
        };
    }

    private WebRtcTransport CreateTransport(SessionDescription offer, IceParameters localIce)
    {
        var offered = offer.Media.Select(m => m.Fingerprints.FirstOrDefault()).FirstOrDefault(f => f is not null) ?? offer.Fingerprints.FirstOrDefault();
        if (!DtlsFingerprint.TryParse(offered, out var fingerprint))
        {
            throw new InvalidOperationException("The negotiator accepted an offer without a usable fingerprint.");
        }

        return new WebRtcTransport(Mux, new WebRtcTransportOptions
        {
            Certificate = Certificate,
            LocalIce = localIce,
            RemoteIce = RemoteIce(offer),
            RemoteFingerprint = fingerprint!,
            Ice = new IceAgentOptions { ConsentTimeout = _options.ConsentTimeout, DisconnectTimeout = _options.DisconnectTimeout },
        }, _time);
    }

    private static IceParameters RemoteIce(SessionDescription offer)
    {
        var media = offer.Media.FirstOrDefault(m => m.Port != 0 && m.IceUfrag is not null) ?? offer.Media[0];
        return new IceParameters(media.IceUfrag ?? offer.IceUfrag!, media.IcePwd ?? offer.IcePwd!);
    }

    private static SfuError? Parse(string text, out SessionDescription? offer)
    {
        if (!SessionDescription.TryParse(text, out offer, out var error))
        {
            return new SfuError(SfuErrorKind.InvalidSdp, "malformed SDP offer: " + error);
        }

        return null;
    }

    private static IReadOnlyList<SdpCodecCapability>? PublisherCodecs(MediaStream stream)
    {
        if (stream.Publisher is not { } publisher)
        {
            return null;
        }

        return [.. publisher.PublisherTracks.SelectMany(t => t.Codecs.Select(c => c.Capability))];
    }

    private MediaStream GetOrCreateStream(string streamId)
    {
        if (!_streams.TryGetValue(streamId, out var stream))
        {
            stream = new MediaStream(streamId, _time.GetUtcNow());
            _streams[streamId] = stream;
        }

        return stream;
    }

    private void RemoveIfEmpty(MediaStream stream)
    {
        if (stream.IsEmpty && !stream.KeepWhenEmpty)
        {
            _streams.Remove(stream.Id);
        }
    }

    private void SendReports()
    {
        foreach (var stream in Streams)
        {
            stream.Publisher?.SendReports();
        }
    }

    public void Dispose()
    {
        _reportTimer.Dispose();
        foreach (var stream in Streams)
        {
            stream.Publisher?.Dispose();
            foreach (var subscriber in stream.Subscribers)
            {
                subscriber.Dispose();
            }
        }

        Mux.Dispose();
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
