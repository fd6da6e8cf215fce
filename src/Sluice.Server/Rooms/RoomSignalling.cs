using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Sluice.Rtc.Sctp;
using Sluice.Sfu;
using Sluice.Sfu.Data;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Rooms;

/// <summary>
/// weever-streaming's control protocol on each conference session's <c>control</c> data channel: text messages
/// <c>CMD</c> or <c>CMD payload</c>.
/// <list type="bullet">
/// <item>To a subscriber: <c>PUB_JOIN</c> / <c>PUB_LEFT</c> with a publisher's full id, then <c>SDP_OFFER</c> with
/// the node's offer (the client answers <c>SDP_ANSWER</c>). The first offer goes when the channel opens; later ones
/// one at a time, changes meanwhile coalesced into the next (sent once the room has been quiet for
/// <see cref="Quiet"/>, or <see cref="MaxDelay"/> after the first change at the latest).</item>
/// <item>From a publisher: <c>SDP_OFFER</c> (renegotiation, answered <c>SDP_ANSWER</c>).</item>
/// <item>From either: <c>STOP</c> ends the session; anything else is answered <c>OK</c>.</item>
/// </list>
/// A publisher has joined once every kind it offered carries media. Every decision runs on one loop, fed by the
/// media receive thread (which only enqueues), by ended sessions and by a 50 ms tick; messages past
/// <see cref="MessagesPerSecond"/> from one session, or past the queue, are dropped and counted.
/// </summary>
internal sealed partial class RoomSignalling : IConferenceSignalling, IHostedService, IDisposable
{
    public const string Offer = "SDP_OFFER";
    public const string Answer = "SDP_ANSWER";
    public const string PublisherJoined = "PUB_JOIN";
    public const string PublisherLeft = "PUB_LEFT";
    public const string Stop = "STOP";
    public const string Ok = "OK";

    /// <summary>How long the room must be quiet before a change goes out in an offer.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a change waits for the room to be quiet.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    /// <summary>An offer not answered (correctly) by then is withdrawn and made again.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Control messages one session may send per second; the rest are dropped and counted.</summary>
    public const int MessagesPerSecond = 50;

    private const int QueueCapacity = 4096;
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(50);

    private readonly SfuNode _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Work> _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    // Per-session message budgets, touched by the media receive thread only (and removed when a session ends).
    private readonly ConcurrentDictionary<SfuSession, Budget> _budgets = new();

    // The loop's own state.
    private readonly Dictionary<SfuSession, Peer> _peers = [];
    private readonly HashSet<PublisherSession> _joined = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _announcedVersion = -1;
    private long _dropped;
    private long _badAnswers;
    private long _offers;

    public RoomSignalling(SfuNode node, TimeProvider time, ILogger<RoomSignalling> logger)
    {
        _node = node;
        _time = time;
        _logger = logger;
    }

    /// <summary>Control messages dropped: past a session's rate, or with the queue full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>SDP_ANSWERs refused (malformed, or not answering the offer in flight) and offers that timed out.</summary>
    public long BadAnswers => Interlocked.Read(ref _badAnswers);

    /// <summary>Offers sent to subscribers.</summary>
    public long OffersSent => Interlocked.Read(ref _offers);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _node.ConferenceSignalling = this;
        _node.SessionEnded += OnSessionEnded;
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _node.ConferenceSignalling = null;
        _node.SessionEnded -= OnSessionEnded;
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    void IConferenceSignalling.ChannelOpened(SfuSession session, DataChannel channel) => Enqueue(new Work(WorkKind.Opened, session, channel, null));

    void IConferenceSignalling.MessageReceived(SfuSession session, DataChannel channel, DataMessage message)
    {
        var budget = _budgets.GetOrAdd(session, static _ => new Budget());
        if (!budget.TryTake(_time.GetTimestamp(), _time.TimestampFrequency))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Enqueue(new Work(WorkKind.Message, session, channel, message.IsBinary ? null : Encoding.UTF8.GetString(message.Data)));
    }

    private void OnSessionEnded(SfuSession session)
    {
        if (session.Room.Kind == RoomKind.Conference)
        {
            _budgets.TryRemove(session, out _);
            Enqueue(new Work(WorkKind.Ended, session, null, null));
        }
    }

    private void Enqueue(Work work)
    {
        if (!_work.Writer.TryWrite(work))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        Task<bool>? waiting = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                waiting ??= _work.Reader.WaitToReadAsync(token).AsTask();
                await Task.WhenAny(waiting, Task.Delay(TickInterval, token)).ConfigureAwait(false);
                if (waiting.IsCompleted)
                {
                    waiting = null;
                }

                while (_work.Reader.TryRead(out var work))
                {
                    Handle(work);
                }

                Reconcile();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // One bad turn never stops the signalling of every room.
                LogLoopFailed(e);
            }
        }
    }

    private void Handle(Work work)
    {
        switch (work.Kind)
        {
            case WorkKind.Opened:
                var peer = PeerOf(work.Session);
                peer.Control = work.Channel;
                if (work.Session is SubscriberSession)
                {
                    // The first offer at once, with every publisher already there (or none).
                    Announce(peer);
                    SendOffer(peer);
                }

                break;
            case WorkKind.Message:
                OnMessage(PeerOf(work.Session), work.Channel!, work.Text);
                break;
            case WorkKind.Ended:
                _peers.Remove(work.Session);
                if (work.Session is PublisherSession publisher)
                {
                    _joined.Remove(publisher);
                }

                break;
        }
    }

    private void OnMessage(Peer peer, DataChannel channel, string? text)
    {
        peer.Control ??= channel;
        var space = text?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        var command = text is null ? string.Empty : space < 0 ? text : text[..space];
        var payload = space < 0 ? string.Empty : text![(space + 1)..];
        var session = peer.Session;
        switch (command)
        {
            case Stop:
                _ = _node.EndSession(session, SessionEndReason.Deleted);
                break;
            case Answer when session is SubscriberSession:
                var applied = _node.ApplyAnswer(session.Room.Id, session.Id, payload);
                if (applied.Error is { } refused)
                {
                    // The offer stays in flight: the right answer may still come (until AnswerTimeout).
                    Interlocked.Increment(ref _badAnswers);
                    LogAnswerRefused(session.Id.Value, session.Room.Id.Value, refused.Message);
                }
                else
                {
                    peer.OfferInFlight = false;
                }

                break;
            case Offer when session is PublisherSession:
                var renegotiated = _node.Renegotiate(session.Room.Id, session.Id, payload, ifMatch: null);
                if (renegotiated.Value is { } answer)
                {
                    Send(peer, Answer + " " + answer.Sdp);
                }
                else
                {
                    LogOfferRefused(session.Id.Value, session.Room.Id.Value, renegotiated.Error!.Message);
                }

                break;
            default:
                Send(peer, Ok);
                break;
        }
    }

    /// <summary>Who joined or left since each subscriber was last told, and the offers that follow.</summary>
    private void Reconcile()
    {
        var now = _time.GetTimestamp();

        // Who is present changes only with the node's membership (its Version) or with a publisher joining here:
        // subscribers are told again only then, not on every tick.
        var version = _node.Version;
        var announce = version != _announcedVersion;
        _announcedVersion = version;
        foreach (var room in _node.Rooms)
        {
            if (room.Kind != RoomKind.Conference)
            {
                continue;
            }

            foreach (var publisher in room.Publishers)
            {
                if (!_joined.Contains(publisher) && CarriesMedia(publisher))
                {
                    _joined.Add(publisher);
                    announce = true;
                }
            }

            foreach (var subscriber in room.Subscribers)
            {
                if (!_peers.TryGetValue(subscriber, out var peer) || peer.Control is null || !peer.Offered)
                {
                    continue;
                }

                if (announce && Announce(peer))
                {
                    peer.LastChange = now;
                    if (peer.FirstChange < 0)
                    {
                        peer.FirstChange = now;
                    }
                }

                if (peer.OfferInFlight)
                {
                    if (_time.GetElapsedTime(peer.OfferSentAt, now) >= AnswerTimeout && _node.WithdrawOffer(subscriber))
                    {
                        Interlocked.Increment(ref _badAnswers);
                        peer.OfferInFlight = false;
                        peer.FirstChange = peer.LastChange = now;
                    }

                    continue;
                }

                if (peer.FirstChange >= 0
                    && (_time.GetElapsedTime(peer.LastChange, now) >= Quiet || _time.GetElapsedTime(peer.FirstChange, now) >= MaxDelay))
                {
                    SendOffer(peer);
                }
            }
        }
    }

    /// <summary>Tells a subscriber who left and who joined since it was last told; true when anything changed.</summary>
    private bool Announce(Peer peer)
    {
        var subscriber = peer.Session;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var publisher in subscriber.Room.Publishers)
        {
            if (_joined.Contains(publisher) && publisher.Participant is { } who && who.Id != subscriber.Participant?.Id)
            {
                present.Add(who.FullId);
            }
        }

        var changed = false;
        foreach (var gone in peer.Announced.Where(id => !present.Contains(id)).ToList())
        {
            peer.Announced.Remove(gone);
            Send(peer, PublisherLeft + " " + gone);
            changed = true;
        }

        foreach (var came in present)
        {
            if (peer.Announced.Add(came))
            {
                Send(peer, PublisherJoined + " " + came);
                changed = true;
            }
        }

        return changed;
    }

    private void SendOffer(Peer peer)
    {
        var session = peer.Session;
        var offer = _node.CreateOffer(session.Room.Id, session.Id, track => _joined.Contains(track.Publisher));
        peer.Offered = true;
        if (offer.Value is not { } sdp)
        {
            return;
        }

        peer.OfferInFlight = true;
        peer.OfferSentAt = _time.GetTimestamp();
        peer.FirstChange = -1;
        Interlocked.Increment(ref _offers);
        Send(peer, Offer + " " + sdp);
    }

    private static bool CarriesMedia(PublisherSession publisher)
    {
        var tracks = publisher.PublishedTracks;
        if (tracks.IsEmpty)
        {
            return false;
        }

        foreach (var track in tracks)
        {
            if (track.PacketsReceived == 0)
            {
                return false;
            }
        }

        return true;
    }

    private void Send(Peer peer, string text)
    {
        if (peer.Control is { State: DataChannelState.Open } channel)
        {
            channel.Send(text);
        }
    }

    private Peer PeerOf(SfuSession session)
    {
        if (!_peers.TryGetValue(session, out var peer))
        {
            peer = new Peer(session);
            _peers[session] = peer;
        }

        return peer;
    }

    [LoggerMessage(1, LogLevel.Information, "Session {SessionId} of room '{Room}': SDP_ANSWER refused: {Reason}")]
    private partial void LogAnswerRefused(string sessionId, string room, string reason);

    [LoggerMessage(2, LogLevel.Information, "Session {SessionId} of room '{Room}': SDP_OFFER refused: {Reason}")]
    private partial void LogOfferRefused(string sessionId, string room, string reason);

    [LoggerMessage(3, LogLevel.Error, "Room signalling failed a turn")]
    private partial void LogLoopFailed(Exception exception);

    private enum WorkKind
    {
        Opened,
        Message,
        Ended,
    }

    private readonly record struct Work(WorkKind Kind, SfuSession Session, DataChannel? Channel, string? Text);

    /// <summary>One session's signalling state, on the loop.</summary>
    private sealed class Peer(SfuSession session)
    {
        public SfuSession Session { get; } = session;

        public DataChannel? Control { get; set; }

        /// <summary>The first offer went (a subscriber), so changes are announced from now on.</summary>
        public bool Offered { get; set; }

        public bool OfferInFlight { get; set; }

        public long OfferSentAt { get; set; }

        /// <summary>The full ids this subscriber was told joined (and not yet that they left).</summary>
        public HashSet<string> Announced { get; } = new(StringComparer.Ordinal);

        /// <summary>When the oldest change not yet offered happened; -1 when none waits.</summary>
        public long FirstChange { get; set; } = -1;

        public long LastChange { get; set; }
    }

    /// <summary>A token bucket of <see cref="MessagesPerSecond"/>, refilled continuously (the receive thread's own).</summary>
    private sealed class Budget
    {
        private double _tokens = MessagesPerSecond;
        private long _at;

        public bool TryTake(long now, long frequency)
        {
            if (_at != 0)
            {
                _tokens = Math.Min(MessagesPerSecond, _tokens + ((now - _at) * (double)MessagesPerSecond / frequency));
            }

            _at = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
