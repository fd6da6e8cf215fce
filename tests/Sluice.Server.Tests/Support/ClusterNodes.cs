using System.Net;
using System.Text.Json;
using Sluice.Server.Cluster;

namespace Sluice.Server.Tests.Support;

/// <summary>In-process nodes of one cluster on a test's redis-server, and what they list of it.</summary>
internal static class ClusterNodes
{
    public static Task<TestNode> StartAsync(RedisServer redis, string id, params string[] extra) =>
        TestNode.StartAsync(_ => { }, ["--Cluster:Redis", redis.ConnectionString, "--Cluster:NodeId", id, .. extra]);

    /// <summary>The node's listing of the cluster, or null while it answers 503 (not connected to Redis yet, or Redis away).</summary>
    public static async Task<IReadOnlyList<NodeEntry>?> ListAsync(TestNode node)
    {
        using var response = await node.Http.GetAsync("/api/cluster/nodes");
        return response.StatusCode == HttpStatusCode.OK
            ? JsonSerializer.Deserialize<List<NodeEntry>>(await response.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)
            : null;
    }

    /// <summary>How many nodes the node lists (0 while it cannot list them).</summary>
    public static async Task<int> CountAsync(TestNode node) => (await ListAsync(node))?.Count ?? 0;
}
