using System.Text.Json;
using StackExchange.Redis;

namespace Sluice.Server.Cluster;

/// <summary>What happened on one node that the others may act on, sent over Redis pub/sub.</summary>
/// <param name="Type">One of <see cref="ClusterEvent.StreamStarted"/>, <see cref="ClusterEvent.StreamEnded"/>, <see cref="ClusterEvent.PublisherJoined"/>, <see cref="ClusterEvent.PublisherLeft"/>.</param>
/// <param name="Name">The stream, or the room.</param>
/// <param name="Publisher">In a room, the publisher's full id.</param>
/// <param name="Node">The node it happened on.</param>
internal sealed record ClusterEvent(string Type, string Name, string? Publisher, string Node)
{
    public const string StreamStarted = "stream-started";
    public const string StreamEnded = "stream-ended";
    public const string PublisherJoined = "publisher-joined";
    public const string PublisherLeft = "publisher-left";
}

/// <summary>
/// The cluster's directory of streams and rooms in Redis, beside the node registry: which node holds a stream's
/// publisher (<c>sluice:stream:{name}</c> = node id, claimed atomically, so a stream has one publisher cluster-wide),
/// and which node holds each publisher of a room (hash <c>sluice:room:{name}</c>, full id → node id). Entries are
/// written on change and removed on end; an entry whose node's registry entry has expired (the node died) counts as
/// absent and is removed by whoever reads it. Changes are announced on the channel <c>sluice:events</c>. Nothing here
/// is on the media path; every call throws <see cref="RedisException"/> when Redis cannot answer.
/// </summary>
internal sealed partial class ClusterDirectory
{
    public const string StreamPrefix = "sluice:stream:";
    public const string RoomPrefix = "sluice:room:";
    public static readonly RedisChannel Channel = RedisChannel.Literal("sluice:events");

    // Claims a key for this node when it is free or held by a node whose registry entry is gone (1), or says it is
    // ours already (2) or another live node's (0).
    private const string ClaimScript = """
        local owner = redis.call('GET', KEYS[1])
        if owner == ARGV[1] then
          return 2
        end
        if (not owner) or redis.call('EXISTS', ARGV[2] .. owner) == 0 then
          redis.call('SET', KEYS[1], ARGV[1])
          return 1
        end
        return 0
        """;

    // Deletes a key only while it is this node's.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    // Lists a hash field as this node's (1), unless it is already (0).
    private const string ListScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
          return 0
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """;

    // Deletes a hash field only while it is this node's.
    private const string UnlistScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
          return redis.call('HDEL', KEYS[1], ARGV[1])
        end
        return 0
        """;

    private readonly NodeRegistry _registry;
    private readonly ILogger<ClusterDirectory> _logger;

    public ClusterDirectory(NodeRegistry registry, ILogger<ClusterDirectory> logger)
    {
        _registry = registry;
        _logger = logger;
    }

    public string NodeId => _registry.NodeId;

    /// <summary>Raised for every event another node announces (on a Redis thread: handlers hand work off).</summary>
    public event Action<ClusterEvent>? EventReceived;

    private IDatabase Database => _registry.Redis.GetDatabase();

    /// <summary>Subscribes to the other nodes' events; once, when Redis is first reached.</summary>
    public async Task ListenAsync()
    {
        await _registry.Redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => OnMessage(message)).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes this node the stream's publisher's cluster-wide (announced when it was not already); false when another
    /// live node holds it. Called again every heartbeat, so the directory comes back after Redis lost it (a restart).
    /// </summary>
    public async Task<bool> ClaimStreamAsync(string stream)
    {
        var claimed = (int)await Database.ScriptEvaluateAsync(ClaimScript, [StreamPrefix + stream], [NodeId, NodeRegistry.EntryPrefix]).ConfigureAwait(false);
        if (claimed == 1)
        {
            await AnnounceAsync(new ClusterEvent(ClusterEvent.StreamStarted, stream, null, NodeId)).ConfigureAwait(false);
        }

        return claimed != 0;
    }

    public async Task ReleaseStreamAsync(string stream)
    {
        await Database.ScriptEvaluateAsync(ReleaseScript, [StreamPrefix + stream], [NodeId]).ConfigureAwait(false);
        await AnnounceAsync(new ClusterEvent(ClusterEvent.StreamEnded, stream, null, NodeId)).ConfigureAwait(false);
    }

    /// <summary>The live node that holds the stream's publisher, if any (this one included).</summary>
    public async Task<NodeEntry?> FindStreamAsync(string stream)
    {
        var owner = await Database.StringGetAsync(StreamPrefix + stream).ConfigureAwait(false);
        if (owner.IsNull)
        {
            return null;
        }

        var node = await _registry.FindAsync(owner.ToString()).ConfigureAwait(false);
        if (node is null)
        {
            // Its node died: the claim goes with it.
            await Database.ScriptEvaluateAsync(ReleaseScript, [StreamPrefix + stream], [owner]).ConfigureAwait(false);
        }

        return node;
    }

    /// <summary>Lists a room's publisher as this node's (announced when it was not listed); called again every heartbeat.</summary>
    public async Task AddPublisherAsync(string room, string fullId)
    {
        if ((int)await Database.ScriptEvaluateAsync(ListScript, [RoomPrefix + room], [fullId, NodeId]).ConfigureAwait(false) == 1)
        {
            await AnnounceAsync(new ClusterEvent(ClusterEvent.PublisherJoined, room, fullId, NodeId)).ConfigureAwait(false);
        }
    }

    public async Task RemovePublisherAsync(string room, string fullId)
    {
        await Database.ScriptEvaluateAsync(UnlistScript, [RoomPrefix + room], [fullId, NodeId]).ConfigureAwait(false);
        await AnnounceAsync(new ClusterEvent(ClusterEvent.PublisherLeft, room, fullId, NodeId)).ConfigureAwait(false);
    }

    /// <summary>The room's publishers on other live nodes: full id and node.</summary>
    public async Task<IReadOnlyList<(string FullId, NodeEntry Node)>> RemotePublishersAsync(string room)
    {
        var db = Database;
        var found = new List<(string, NodeEntry)>();
        var nodes = new Dictionary<string, NodeEntry?>();
        foreach (var field in await db.HashGetAllAsync(RoomPrefix + room).ConfigureAwait(false))
        {
            var nodeId = field.Value.ToString();
            if (nodeId == NodeId)
            {
                continue;
            }

            if (!nodes.TryGetValue(nodeId, out var node))
            {
                node = nodes[nodeId] = await _registry.FindAsync(nodeId).ConfigureAwait(false);
            }

            if (node is null)
            {
                // Its node died: the entry goes with it (unless another node listed the person meanwhile).
                await db.ScriptEvaluateAsync(UnlistScript, [RoomPrefix + room], [field.Name, nodeId]).ConfigureAwait(false);
                continue;
            }

            found.Add((field.Name.ToString(), node));
        }

        return found;
    }

    /// <summary>A live node's entry by id; null when it is gone.</summary>
    public Task<NodeEntry?> FindNodeAsync(string id) => _registry.FindAsync(id);

    private async Task AnnounceAsync(ClusterEvent change)
    {
        await Database.PublishAsync(Channel, JsonSerializer.Serialize(change, JsonSerializerOptions.Web)).ConfigureAwait(false);
    }

    private void OnMessage(RedisValue message)
    {
        ClusterEvent? change = null;
        try
        {
            change = JsonSerializer.Deserialize<ClusterEvent>(message.ToString(), JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            // Logged below.
        }

        if (change is not { Type.Length: > 0, Name.Length: > 0, Node.Length: > 0 })
        {
            LogBadEvent(_logger, message.ToString().Length > 200 ? message.ToString()[..200] : message.ToString());
            return;
        }

        if (change.Node != NodeId)
        {
            EventReceived?.Invoke(change);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Cluster: ignored an event that is not one: {Message}")]
    private static partial void LogBadEvent(ILogger logger, string message);
}
