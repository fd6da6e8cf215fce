using System.Net;
using System.Text.Json;
using Sluice.Server.Cluster;
using Sluice.Server.Tests.Support;
using StackExchange.Redis;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// The node registry in a real redis-server: nodes list each other with their load, a graceful stop leaves at once,
/// an entry that is no longer renewed expires within three heartbeats, a malformed one is ignored, and a Redis
/// outage makes the listing fail with its reason until Redis is back.
/// </summary>
public sealed class NodeRegistryTests
{
    [Fact]
    public async Task A_single_node_lists_itself()
    {
        await using var node = await TestNode.StartAsync();
        var nodes = await Nodes(node);
        var self = Assert.Single(nodes);
        Assert.False(self.Draining);
        Assert.StartsWith("node-", self.Id, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task Nodes_find_each_other_a_stopped_one_leaves_and_a_silent_one_expires()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using (var b = await ClusterNodes.StartAsync(redis, "b"))
        {
            await Poll.Until(() => ClusterNodes.ListAsync(a).Result?.Select(n => n.Id).SequenceEqual(["a", "b"]) == true, "a to list a and b");
            var listed = await Nodes(b);
            Assert.Equal(b.BaseUri.ToString().TrimEnd('/'), listed.Single(n => n.Id == "b").Url);
        }

        // b stopped gracefully: its entry went with it.
        Assert.Equal(["a"], (await Nodes(a)).Select(n => n.Id));

        // A node that dies stops renewing its entry: it expires (3 heartbeats of 1 s).
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = client.GetDatabase();
        var ghost = new NodeEntry("ghost", "http://127.0.0.1:1", "0", 0, 0, 0, 0, false, DateTimeOffset.UtcNow);
        await db.StringSetAsync(NodeRegistry.EntryPrefix + "ghost", JsonSerializer.Serialize(ghost, JsonSerializerOptions.Web), TimeSpan.FromSeconds(3));
        await db.SetAddAsync(NodeRegistry.NodesKey, "ghost");
        await db.StringSetAsync(NodeRegistry.EntryPrefix + "broken", "{not a node");
        await db.SetAddAsync(NodeRegistry.NodesKey, "broken");
        Assert.Equal(["a", "ghost"], (await Nodes(a)).Select(n => n.Id));
        var started = DateTime.UtcNow;
        await Poll.Until(() => ClusterNodes.ListAsync(a).Result?.Select(n => n.Id).SequenceEqual(["a"]) == true, "the ghost to expire", timeoutSeconds: 10);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(4));
    }

    [RedisFact]
    public async Task A_redis_outage_fails_the_listing_with_its_reason_until_redis_is_back()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await Poll.Until(() => ClusterNodes.ListAsync(a).Result?.Count == 1, "a to register");

        await redis.StopAsync();
        var refused = await a.Http.GetAsync("/api/cluster/nodes");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("Redis", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await a.Http.GetAsync("/healthz")).StatusCode);

        await redis.RestartAsync();
        await Poll.Until(() => ClusterNodes.ListAsync(a).Result?.Count == 1, "a to be listed again once Redis is back", timeoutSeconds: 20);
    }



    private static async Task<IReadOnlyList<NodeEntry>> Nodes(TestNode node) =>
        JsonSerializer.Deserialize<List<NodeEntry>>(await node.Http.GetStringAsync("/api/cluster/nodes"), JsonSerializerOptions.Web)!;
}
