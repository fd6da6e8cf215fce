using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sluice.Rtc.Ice;
using Sluice.Server.Cascade;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;
using StackExchange.Redis;

namespace Sluice.Server.Cluster;

/// <summary>
/// <see cref="ISfu"/> for a node in a cluster: the local <see cref="SfuNode"/> does the forwarding, the
/// <see cref="ClusterDirectory"/> says where publishers are, and relays (cascades between nodes, made by the cluster)
/// bring them here. A stream has one publisher cluster-wide; a WHEP subscriber of a stream published elsewhere gets
/// it through one relay per stream, shared by every subscriber here and ended when the last one leaves; a room's
/// subscriber gets every publisher of the room through one relay per remote publisher. Redis is asked when a session
/// starts or ends, never for a packet; while it does not answer, a lookup another node would have to answer fails
/// with 503 and live sessions go on.
/// </summary>
internal sealed partial class ClusterSfu : ISfu, IHostedService
{
    private readonly SfuNode _node;
    private readonly ClusterDirectory _directory;
    private readonly NodeRegistry _registry;
    private readonly CascadeClient _cascades;
    private readonly ClusterToken _token;
    private readonly ILogger<ClusterSfu> _logger;
    private readonly ConcurrentDictionary<SfuSession, string> _relays = new();
    private readonly ConcurrentDictionary<SfuSession, string> _relayedTo = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watch;

    public ClusterSfu(SfuNode node, ClusterDirectory directory, NodeRegistry registry, CascadeClient cascades, ClusterToken token, ILogger<ClusterSfu> logger)
    {
        _node = node;
        _directory = directory;
        _registry = registry;
        _cascades = cascades;
        _token = token;
        _logger = logger;
        _node.SessionEnded += OnSessionEnded;
        _directory.EventReceived += change => _ = Task.Run(() => OnEventAsync(change));
    }

    /// <summary>
    /// Notes a session a request made as another node's relay (it named the node with <c>?relay=</c>), when this node
    /// is in a cluster: the session ends as soon as that node leaves the registry, rather than when its consent runs out.
    /// </summary>
    /// <summary>Whether a request comes from another node of this cluster as its relay (it names the node with <c>?relay=</c>).</summary>
    public static bool IsRelay(HttpContext context) =>
        context.Request.Query["relay"] is { Count: 1 } relay && !string.IsNullOrEmpty(relay[0]) && context.RequestServices.GetService<ClusterSfu>() is not null;

    public static void NoteRelay(HttpContext context, SfuSession session)
    {
        if (context.Request.Query["relay"] is { Count: 1 } relay && !string.IsNullOrEmpty(relay[0])
            && context.RequestServices.GetService<ClusterSfu>() is { } cluster)
        {
            cluster._relayedTo[session] = relay[0]!;
            if (session is SubscriberSession subscriber)
            {
                subscriber.Downlink.Allocating = false;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _watch = WatchAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_watch is not null)
        {
            await _watch.ConfigureAwait(false);
        }
    }

    public async ValueTask<SfuResult<SessionAnswer>> PublishAsync(RoomId room, string offerSdp, string? owner, CancellationToken cancellationToken = default)
    {
        try
        {
            if (await _directory.FindStreamAsync(room.Value) is { } holder && holder.Id != _directory.NodeId)
            {
                return new SfuError(SfuErrorKind.PublisherExists, $"stream '{room}' already has a publisher, on node {holder.Id} ({holder.Url})");
            }
        }
        catch (RedisException e)
        {
            return Unavailable(e);
        }

        // A relay of the stream from a node that no longer holds it gives way to the real publisher.
        if (_node.TryGetRoom(room, out var local) && local!.Publisher is { Cascade.IsRelay: true } stale)
        {
            _node.EndSession(stale, SessionEndReason.Kicked);
        }

        var result = await _node.PublishAsync(room, offerSdp, owner, cancellationToken);
        if (result.Value is not { } answer)
        {
            return result;
        }

        try
        {
            if (await _directory.ClaimStreamAsync(room.Value))
            {
                return result;
            }
        }
        catch (RedisException e)
        {
            _node.EndSession(answer.Session, SessionEndReason.Kicked);
            return Unavailable(e);
        }

        // Another node claimed the stream between our lookup and our claim.
        _node.EndSession(answer.Session, SessionEndReason.Kicked);
        return new SfuError(SfuErrorKind.PublisherExists, $"stream '{room}' already has a publisher on another node");
    }

    public async ValueTask<SfuResult<SessionAnswer>> SubscribeAsync(RoomId room, string offerSdp, string? owner, bool relay = false, CancellationToken cancellationToken = default)
    {
        if (!_node.TryGetRoom(room, out var local) || local!.Publisher is null)
        {
            NodeEntry? holder;
            try
            {
                holder = await _directory.FindStreamAsync(room.Value);
            }
            catch (RedisException e)
            {
                return Unavailable(e);
            }

            if (holder is not null && holder.Id != _directory.NodeId)
            {
                // The HTTP exchange with the holder only (a few milliseconds): the subscriber is answered with the
                // publisher's codecs, and its media starts when the relay connects.
                await RelayStreamAsync(room, holder);
            }
        }

        return await _node.SubscribeAsync(room, offerSdp, owner, relay, cancellationToken);
    }

    public async ValueTask<SfuResult<SessionAnswer>> JoinAsync(RoomId room, SessionRole role, Participant participant, string offerSdp, string? owner,
        CancellationToken cancellationToken = default)
    {
        var result = await _node.JoinAsync(room, role, participant, offerSdp, owner, cancellationToken);
        if (result.IsSuccess)
        {
            _ = role == SessionRole.Publisher
                ? Guard(() => _directory.AddPublisherAsync(room.Value, participant.FullId), "announce a publisher")
                : Guard(() => RelayRoomAsync(room), "relay a room's publishers");
        }

        return result;
    }

    public ValueTask<SfuSession?> FindSessionAsync(RoomId room, SessionId session, CancellationToken cancellationToken = default) =>
        _node.FindSessionAsync(room, session, cancellationToken);

    public ValueTask<SfuResult<IceParameters>> RestartIceAsync(RoomId room, SessionId session, IceParameters remote, string? ifMatch, CancellationToken cancellationToken = default) =>
        _node.RestartIceAsync(room, session, remote, ifMatch, cancellationToken);

    public ValueTask<SfuResult<SessionAnswer>> RenegotiateAsync(RoomId room, SessionId session, string offerSdp, string? ifMatch, CancellationToken cancellationToken = default) =>
        _node.RenegotiateAsync(room, session, offerSdp, ifMatch, cancellationToken);

    public ValueTask<SfuResult<string>> CreateOfferAsync(RoomId room, SessionId session, CancellationToken cancellationToken = default) =>
        _node.CreateOfferAsync(room, session, cancellationToken);

    public ValueTask<SfuResult<SessionAnswer>> ApplyAnswerAsync(RoomId room, SessionId session, string answerSdp, CancellationToken cancellationToken = default) =>
        _node.ApplyAnswerAsync(room, session, answerSdp, cancellationToken);

    public ValueTask<bool> EndSessionAsync(RoomId room, SessionId session, SessionEndReason reason, CancellationToken cancellationToken = default) =>
        _node.EndSessionAsync(room, session, reason, cancellationToken);

    public ValueTask<bool> CreateRoomAsync(RoomId room, CancellationToken cancellationToken = default) => _node.CreateRoomAsync(room, cancellationToken);

    public ValueTask<bool> DeleteRoomAsync(RoomId room, CancellationToken cancellationToken = default) => _node.DeleteRoomAsync(room, cancellationToken);

    /// <summary>Pulls a stream from the node that holds it, once: every subscriber here shares the relay.</summary>
    private Task RelayStreamAsync(RoomId room, NodeEntry holder) =>
        RelayAsync(room, holder, "whep/" + Uri.EscapeDataString(room.Value), participant: null,
            local => local?.Publisher is not null);

    /// <summary>Brings every publisher of the room on other nodes here (those already relayed stay).</summary>
    private async Task RelayRoomAsync(RoomId room)
    {
        foreach (var (fullId, node) in await _directory.RemotePublishersAsync(room.Value))
        {
            await RelayPublisherAsync(room, fullId, node);
        }
    }

    /// <summary>Brings one publisher of a room here from its node, while this node has subscribers in the room.</summary>
    private Task RelayPublisherAsync(RoomId room, string fullId, NodeEntry holder) =>
        RelayAsync(room, holder, $"api/cluster/relay/{Uri.EscapeDataString(room.Value)}/{Uri.EscapeDataString(fullId)}",
            new Participant(Rooms.WeeverIds.ParticipantOf(fullId), fullId),
            local => local is null || !HasLocalSubscribers(local) || local.Publishers.Any(p => p.Participant?.FullId == fullId));

    /// <summary>
    /// Pulls <paramref name="path"/> from <paramref name="holder"/> into <paramref name="room"/> as a relay, one at a
    /// time per room and publisher, unless <paramref name="needless"/> says the room here has no use for it (any more).
    /// </summary>
    private async Task RelayAsync(RoomId room, NodeEntry holder, string path, Participant? participant, Func<Room?, bool> needless)
    {
        var what = participant is { } person ? $"{room}/{person.FullId}" : room.Value;
        var gate = _gates.GetOrAdd(room.Kind + ":" + what, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (needless(_node.TryGetRoom(room, out var local) ? local : null))
            {
                return;
            }

            var url = new Uri(new Uri(holder.Url.TrimEnd('/') + "/"), path + "?relay=" + Uri.EscapeDataString(_directory.NodeId));
            var started = await _cascades.StartAsync(room, CascadeDirection.Pull, url, _token.Current(), relay: true, participant);
            if (started.Value is { } session)
            {
                _relays[session] = holder.Id;
                LogRelay(_logger, what, holder.Id);
            }
            else
            {
                LogRelayFailed(_logger, what, holder.Id, started.Error!.Message);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task OnEventAsync(ClusterEvent change)
    {
        try
        {
            switch (change.Type)
            {
                case ClusterEvent.StreamStarted:
                    var stream = new RoomId(change.Name);
                    if (_node.TryGetRoom(stream, out var room) && !room!.Subscribers.IsEmpty
                        && (room.Publisher is null || (room.Publisher.Cascade?.IsRelay == true && Origin(room.Publisher) != change.Node)))
                    {
                        if (room.Publisher is { } old)
                        {
                            _node.EndSession(old, SessionEndReason.Kicked);
                        }

                        if (await _directory.FindNodeAsync(change.Node) is { } holder)
                        {
                            await RelayStreamAsync(stream, holder);
                        }
                    }

                    break;
                case ClusterEvent.StreamEnded:
                    EndRelays(new RoomId(change.Name), change.Node, fullId: null);
                    break;
                case ClusterEvent.PublisherJoined when change.Publisher is { } joined:
                    var conference = RoomId.Conference(change.Name);
                    if (_node.TryGetRoom(conference, out var here) && HasLocalSubscribers(here!) && await _directory.FindNodeAsync(change.Node) is { } node)
                    {
                        await RelayPublisherAsync(conference, joined, node);
                    }

                    break;
                case ClusterEvent.PublisherLeft when change.Publisher is { } left:
                    EndRelays(RoomId.Conference(change.Name), change.Node, left);
                    break;
            }
        }
        catch (RedisException e)
        {
            LogEventFailed(_logger, change.Type, change.Name, e.Message);
        }
    }

    /// <summary>Relays of a room from <paramref name="node"/> (of one publisher when <paramref name="fullId"/> is given) end.</summary>
    private void EndRelays(RoomId room, string node, string? fullId)
    {
        foreach (var (session, origin) in _relays)
        {
            if (origin == node && session.Room.Id == room && (fullId is null || session.Participant?.FullId == fullId))
            {
                _node.EndSession(session, SessionEndReason.Kicked);
            }
        }
    }

    private void OnSessionEnded(SfuSession session)
    {
        _relayedTo.TryRemove(session, out _);
        if (_relays.TryRemove(session, out _))
        {
            return;
        }

        var room = session.Room;
        if (session is PublisherSession && session.Cascade is not { IsRelay: true })
        {
            if (room.Kind == RoomKind.Stream && !room.Publishers.Any(p => p.Cascade is null))
            {
                _ = Guard(() => _directory.ReleaseStreamAsync(room.Id.Value), "release a stream");
            }
            else if (room.Kind == RoomKind.Conference && session.Participant is { } participant)
            {
                _ = Guard(() => _directory.RemovePublisherAsync(room.Id.Value, participant.FullId), "announce a publisher's leaving");
            }
        }
        else if (session is SubscriberSession && session.Cascade is null && !HasLocalSubscribers(room))
        {
            // The last subscriber here left: nothing needs the relays into this room any more.
            foreach (var publisher in room.Publishers)
            {
                if (_relays.ContainsKey(publisher))
                {
                    _node.EndSession(publisher, SessionEndReason.Deleted);
                }
            }
        }
    }

    /// <summary>Ends relays whose node has left the registry (it died: its entry expired), once per heartbeat.</summary>
    private async Task WatchAsync(CancellationToken stop)
    {
        try
        {
            await _registry.Ready.WaitAsync(stop);
            await _directory.ListenAsync();
            using var timer = new PeriodicTimer(_registry.Heartbeat);
            while (await timer.WaitForNextTickAsync(stop))
            {
                await ReassertAsync();
                foreach (var other in _relays.Values.Concat(_relayedTo.Values).Distinct().ToList())
                {
                    try
                    {
                        if (await _directory.FindNodeAsync(other) is null)
                        {
                            LogNodeGone(_logger, other);
                            foreach (var (session, node) in _relays.Concat(_relayedTo))
                            {
                                if (node == other)
                                {
                                    _node.EndSession(session, SessionEndReason.ClosedByPeer);
                                }
                            }
                        }
                    }
                    catch (RedisException)
                    {
                        // Redis away: the relays stay while their media does.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes this node's streams and room publishers again, where Redis lost them (it restarted empty).</summary>
    private async Task ReassertAsync()
    {
        try
        {
            foreach (var room in _node.Rooms)
            {
                foreach (var publisher in room.Publishers)
                {
                    if (publisher.Cascade is { IsRelay: true } || publisher.EndReason != SessionEndReason.None)
                    {
                        continue;
                    }

                    if (room.Kind == RoomKind.Stream)
                    {
                        await _directory.ClaimStreamAsync(room.Id.Value);
                    }
                    else if (publisher.Participant is { } participant)
                    {
                        await _directory.AddPublisherAsync(room.Id.Value, participant.FullId);
                    }
                }
            }
        }
        catch (RedisException)
        {
            // Redis away: next heartbeat.
        }
    }

    private string? Origin(SfuSession session) => _relays.TryGetValue(session, out var origin) ? origin : null;

    private static bool HasLocalSubscribers(Room room) => room.Subscribers.Any(s => s.Cascade is null);

    private async Task Guard(Func<Task> work, string what)
    {
        try
        {
            await work();
        }
        catch (RedisException e)
        {
            LogEventFailed(_logger, what, string.Empty, e.Message);
        }
    }

    private static SfuError Unavailable(RedisException e) =>
        new(SfuErrorKind.Unavailable, $"the cluster's directory (Redis) does not answer, so where the stream is cannot be known: {e.Message}; sessions already live go on");

    [LoggerMessage(1, LogLevel.Information, "Cluster: relaying '{What}' from node {Node}")]
    private static partial void LogRelay(ILogger logger, string what, string node);

    [LoggerMessage(2, LogLevel.Warning, "Cluster: cannot relay '{What}' from node {Node}: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string what, string node, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Cluster: {What} {Name} failed, Redis does not answer: {Reason}")]
    private static partial void LogEventFailed(ILogger logger, string what, string name, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Cluster: node {Node} left the registry; its relays end")]
    private static partial void LogNodeGone(ILogger logger, string node);
}

/// <summary>
/// The bearer token a node sends to the other nodes of its cluster: <c>Cluster:Token</c>; else the first static
/// token of <c>Auth:Tokens</c>; else, with <c>Auth:Secret</c>, a JWT for every stream and room with every right,
/// minted for an hour; none without auth.
/// </summary>
internal sealed class ClusterToken(IOptions<ClusterOptions> cluster, IOptions<Auth.AuthOptions> auth)
{
    private string? _minted;
    private DateTimeOffset _expires;

    public string? Current()
    {
        if (!string.IsNullOrEmpty(cluster.Value.Token))
        {
            return cluster.Value.Token;
        }

        if (auth.Value.Tokens.Count > 0)
        {
            return auth.Value.Tokens[0];
        }

        if (string.IsNullOrEmpty(auth.Value.Secret))
        {
            return null;
        }

        var now = DateTimeOffset.UtcNow;
        if (_minted is null || now > _expires - TimeSpan.FromMinutes(5))
        {
            _expires = now + TimeSpan.FromHours(1);
            _minted = Client.Auth.AccessTokens.Mint(auth.Value.Secret, "*",
                Client.Auth.AccessTokens.Subscribe | Client.Auth.AccessTokens.Publish | Client.Auth.AccessTokens.Admin, _expires);
        }

        return _minted;
    }
}
