using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sluice.Server.Health;
using Sluice.Sfu;
using StackExchange.Redis;

namespace Sluice.Server.Cluster;

/// <summary>One node as the registry holds it: where it is, what it runs, its load, whether it drains.</summary>
internal sealed record NodeEntry(string Id, string Url, string Version, int Sessions, int Subscribers, long BitrateOut, double Cpu, bool Draining, DateTimeOffset UpdatedAt);

/// <summary>
/// The cluster's node registry in Redis: every heartbeat this node writes its entry (<c>sluice:node:{id}</c>, JSON,
/// expiring after three heartbeats) and keeps its id in the set <c>sluice:nodes</c>; a node that dies disappears when
/// its entry expires, and readers drop ids whose entry is gone. A graceful stop deletes the entry at once. Nothing
/// here is on the media path: a Redis outage only makes <see cref="ListAsync"/> fail with the reason.
/// </summary>
internal sealed partial class NodeRegistry : BackgroundService
{
    public const string NodesKey = "sluice:nodes";
    public const string EntryPrefix = "sluice:node:";

    private readonly ClusterOptions _options;
    private readonly SfuNode _node;
    private readonly DrainCoordinator _drain;
    private readonly Admin.AdminMonitor _monitor;
    private readonly ILogger<NodeRegistry> _logger;
    private readonly string _version = typeof(NodeRegistry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
    private ConnectionMultiplexer? _redis;
    private TimeSpan _cpuBefore;
    private double _cpu;
    private long _cpuAt;

    private readonly Microsoft.AspNetCore.Hosting.Server.IServer _server;

    private readonly IHostApplicationLifetime _lifetime;

    public NodeRegistry(IOptions<ClusterOptions> options, Microsoft.AspNetCore.Hosting.Server.IServer server, SfuNode node, DrainCoordinator drain,
        Admin.AdminMonitor monitor, IHostApplicationLifetime lifetime, ILogger<NodeRegistry> logger)
    {
        _lifetime = lifetime;
        _options = options.Value;
        _server = server;
        _node = node;
        _drain = drain;
        _monitor = monitor;
        _logger = logger;
        NodeId = string.IsNullOrWhiteSpace(_options.NodeId) ? "node-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)) : _options.NodeId!;
    }

    public string NodeId { get; }

    /// <summary>
    /// <c>Cluster:NodeUrl</c>, or the address HTTP listens on (its port as bound), with a wildcard host replaced by
    /// the first announced address.
    /// </summary>
    public string NodeUrl
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(_options.NodeUrl))
            {
                return _options.NodeUrl!.TrimEnd('/');
            }

            var addresses = _server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
            var bound = addresses is null ? null : addresses.FirstOrDefault();
            if (bound is null || !Uri.TryCreate(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return "http://127.0.0.1:7777";
            }

            var host = uri.Host is "127.0.0.1" && bound.Contains("0.0.0.0", StringComparison.Ordinal) && _node.Announced.Count > 0
                ? _node.Announced[0].Address.ToString()
                : uri.Host;
            return $"{uri.Scheme}://{host}:{uri.Port}";
        }
    }

    public TimeSpan Heartbeat => TimeSpan.FromSeconds(_options.HeartbeatSeconds);

    /// <summary>The connection to Redis (it reconnects by itself); throws <see cref="RedisException"/> before it is first made.</summary>
    public ConnectionMultiplexer Redis => _redis ?? throw new RedisException("the node has not connected to Redis yet");

    /// <summary>Completes when the node has connected to Redis and written its first entry.</summary>
    public Task Ready => _ready.Task;

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A live node's entry; null when it has none (it stopped, or its entry expired). Throws <see cref="RedisException"/> when Redis cannot answer.</summary>
    public async Task<NodeEntry?> FindAsync(string id)
    {
        var json = await Redis.GetDatabase().StringGetAsync(EntryPrefix + id).ConfigureAwait(false);
        return json.IsNull ? null : Parse(id, json.ToString());
    }

    private string EntryKey => EntryPrefix + NodeId;

    /// <summary>This node's entry now.</summary>
    public NodeEntry Local()
    {
        int sessions = 0, subscribers = 0;
        long bitrateOut = 0;
        foreach (var room in _node.Rooms)
        {
            sessions += room.Publishers.Length + room.Subscribers.Length;
            subscribers += room.Subscribers.Length;
            foreach (var subscriber in room.Subscribers)
            {
                bitrateOut += _monitor.Bitrate(subscriber.Id.Value).Out;
            }
        }

        return new NodeEntry(NodeId, NodeUrl, _version, sessions, subscribers, bitrateOut, Volatile.Read(ref _cpu), _drain.IsDraining, DateTimeOffset.UtcNow);
    }

    /// <summary>The live nodes, this one included; throws <see cref="RedisException"/> (with the reason) when Redis cannot answer.</summary>
    public async Task<IReadOnlyList<NodeEntry>> ListAsync()
    {
        var db = Redis.GetDatabase();
        var ids = await db.SetMembersAsync(NodesKey).ConfigureAwait(false);
        var entries = new List<NodeEntry>();
        foreach (var id in ids)
        {
            var json = await db.StringGetAsync(EntryPrefix + id).ConfigureAwait(false);
            if (json.IsNull)
            {
                // Its entry expired (the node died) or was deleted (it stopped): forget the id too.
                await db.SetRemoveAsync(NodesKey, id).ConfigureAwait(false);
                continue;
            }

            if (Parse(id.ToString(), json.ToString()) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return [.. entries.OrderBy(e => e.Id, StringComparer.Ordinal)];
    }

    /// <summary>An entry as stored, or null (logged) when it does not have the shape of one: another program's, or a broken write.</summary>
    private NodeEntry? Parse(string id, string json)
    {
        try
        {
            if (JsonSerializer.Deserialize<NodeEntry>(json, JsonSerializerOptions.Web) is { Id.Length: > 0, Url.Length: > 0 } entry)
            {
                return entry;
            }
        }
        catch (JsonException)
        {
            // Logged below, like an entry that parsed into nothing usable.
        }

        LogBadEntry(id);
        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Registered once HTTP listens, so the entry's URL has the port as bound.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }

        var configuration = ConfigurationOptions.Parse(_options.Redis!);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 2000;

        // Once Redis is back, the node's entry and streams should be too within a heartbeat or two: retry each second
        // (the client's default backs off exponentially, and a restarted Redis waited past 20 s on a busy machine).
        configuration.ReconnectRetryPolicy = new LinearRetry(1000);
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        LogJoined(NodeId, NodeUrl, _options.Redis!);
        using var timer = new PeriodicTimer(Heartbeat);
        do
        {
            try
            {
                var db = _redis.GetDatabase();
                Volatile.Write(ref _cpu, Cpu());
                var json = JsonSerializer.Serialize(Local(), JsonSerializerOptions.Web);
                await db.StringSetAsync(EntryKey, json, Heartbeat * 3).ConfigureAwait(false);
                await db.SetAddAsync(NodesKey, NodeId).ConfigureAwait(false);
                _ready.TrySetResult();
            }
            catch (RedisException e)
            {
                // Live sessions go on; the entry comes back with Redis.
                LogHeartbeatFailed(e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_redis is { IsConnected: true } redis)
        {
            try
            {
                var db = redis.GetDatabase();
                await db.KeyDeleteAsync(EntryKey).ConfigureAwait(false);
                await db.SetRemoveAsync(NodesKey, NodeId).ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                LogHeartbeatFailed(e.Message);
            }
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The process's CPU since the last heartbeat, in cores (1.0 = one core busy); measured by the heartbeat only.</summary>
    private double Cpu()
    {
        var now = Stopwatch.GetTimestamp();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var busy = _cpuAt == 0 ? 0 : (cpu - _cpuBefore) / Stopwatch.GetElapsedTime(_cpuAt, now);
        (_cpuBefore, _cpuAt) = (cpu, now);
        return Math.Round(busy, 3);
    }

    [LoggerMessage(1, LogLevel.Information, "Cluster: node {NodeId} at {NodeUrl} registers in Redis {Redis}")]
    private partial void LogJoined(string nodeId, string nodeUrl, string redis);

    [LoggerMessage(2, LogLevel.Warning, "Cluster: heartbeat to Redis failed ({Reason}); live sessions go on")]
    private partial void LogHeartbeatFailed(string reason);

    [LoggerMessage(3, LogLevel.Warning, "Cluster: the registry entry of node '{NodeId}' is not a node entry; ignored")]
    private partial void LogBadEntry(string nodeId);
}
