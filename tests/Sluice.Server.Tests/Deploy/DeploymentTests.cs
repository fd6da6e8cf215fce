using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Support;
using Sluice.Testing;
using YamlDotNet.RepresentationModel;

namespace Sluice.Server.Tests.Deploy;

/// <summary>
/// The deployment files, checked where no container engine runs: the Dockerfile, the compose file, the Kubernetes
/// manifests and the systemd unit parse and say what a node needs; the compose file's three nodes and Redis run
/// here as processes with its own commands and environment, and the cluster survives one of them being killed.
/// </summary>
public sealed partial class DeploymentTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void The_dockerfile_publishes_the_node_in_one_stage_and_runs_it_in_another()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, stages.Count);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", stages[0]);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0$", stages[1]);
        var publish = Assert.Single(lines, l => l.Contains("dotnet publish", StringComparison.Ordinal));
        var project = Regex.Match(publish, @"dotnet publish (\S+\.csproj)").Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(Root, project)), $"the Dockerfile publishes {project}, which does not exist");
        Assert.Contains("COPY --from=build /app ./", lines);
        Assert.Contains("""ENTRYPOINT ["dotnet", "sluice.dll"]""", lines);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "sluice.dll")), "the node's assembly is sluice.dll");
        foreach (var copied in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            foreach (var source in copied.Split(' ')[1..^1])
            {
                Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"COPY {source}: no such file");
            }
        }
    }

    [Fact]
    public void The_kubernetes_manifests_run_nodes_on_the_host_network_with_probes_and_a_drain()
    {
        var documents = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "deploy", "k8s"), "*.yaml"))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            documents.AddRange(stream.Documents.Select(d => (YamlMappingNode)d.RootNode));
        }

        Assert.All(documents, d => Assert.False(string.IsNullOrEmpty(Text(d, "apiVersion")), "every document has an apiVersion"));
        var kinds = documents.Select(d => Text(d, "kind")).ToList();
        Assert.Contains("StatefulSet", kinds);
        Assert.Equal(2, kinds.Count(k => k == "Service"));
        Assert.Contains("Deployment", kinds);

        var nodes = documents.Single(d => Text(d, "kind") == "StatefulSet");
        var pod = Map(Map(Map(nodes, "spec"), "template"), "spec");
        Assert.Equal("true", Text(pod, "hostNetwork"));
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children[0];
        Assert.Equal("/readyz", Text(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        Assert.Equal("/healthz", Text(Map(Map(container, "livenessProbe"), "httpGet"), "path"));
        Assert.Equal("/preStop", Text(Map(Map(Map(container, "lifecycle"), "preStop"), "httpGet"), "path"));
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().ToDictionary(e => Text(e, "name"));
        Assert.Equal("status.hostIP", Text(Map(Map(env["HOST_IP"], "valueFrom"), "fieldRef"), "fieldPath"));
        Assert.Equal("sluice-redis:6379", Text(env["SLUICE_Cluster__Redis"], "value"));
        Assert.Contains("$(HOST_IP)", ((YamlSequenceNode)container["args"]).Children.Select(a => a.ToString()));

        // The Redis the nodes name is the one the manifests define.
        var redis = documents.Single(d => Text(d, "kind") == "Service" && Text(Map(d, "metadata"), "name") == "sluice-redis");
        Assert.Equal("6379", Text((YamlMappingNode)((YamlSequenceNode)Map(redis, "spec")["ports"]).Children[0], "port"));
    }

    [Fact]
    public async Task The_probe_and_drain_paths_the_manifests_name_answer_on_a_node()
    {
        await using var node = await TestNode.StartAsync();
        foreach (var path in new[] { "/healthz", "/readyz", "/liveness", "/readiness" })
        {
            using var response = await node.Http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public void The_systemd_unit_runs_the_published_node_and_lets_sigterm_drain_it()
    {
        var sections = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? section = null;
        foreach (var raw in File.ReadAllLines(Path.Combine(Root, "deploy", "sluice.service")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = sections[line[1..^1]] = [];
                continue;
            }

            Assert.NotNull(section);
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"not a key=value line: {line}");
            section![line[..equals]] = line[(equals + 1)..];
        }

        Assert.Equal(["Unit", "Service", "Install"], sections.Keys);
        Assert.Matches(@"^/usr/bin/dotnet /opt/sluice/sluice\.dll ", sections["Service"]["ExecStart"]);
        Assert.Equal("SIGTERM", sections["Service"]["KillSignal"]);
        Assert.Equal("multi-user.target", sections["Install"]["WantedBy"]);
    }

    [RedisFact]
    public async Task The_compose_cluster_runs_as_processes_and_survives_a_node_being_killed()
    {
        var compose = new YamlStream();
        compose.Load(new StringReader(File.ReadAllText(Path.Combine(Root, "deploy", "docker-compose.yml"))));
        var services = Map((YamlMappingNode)compose.Documents[0].RootNode, "services");
        Assert.Equal(["redis", "node-a", "node-b", "node-c"], services.Children.Keys.Select(k => k.ToString()));

        // The compose file's own ports, each moved to a free one here (tests run side by side on one loopback).
        var ports = new Dictionary<string, string>();
        string Port(string port) => ports.TryGetValue(port, out var free) ? free : ports[port] = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Local(string text) => PortPattern().Replace(text.Replace("${HOST_IP:-127.0.0.1}", "127.0.0.1", StringComparison.Ordinal), m => m.Groups[1].Value + Port(m.Groups[2].Value));

        var redisCommand = ((YamlSequenceNode)Map(services, "redis")["command"]).Children.Select(c => c.ToString()).ToList();
        var redisPort = int.Parse(Port(redisCommand[redisCommand.IndexOf("--port") + 1]), System.Globalization.CultureInfo.InvariantCulture);
        await using var redis = await RedisServer.StartAsync(redisPort);

        var nodes = new Dictionary<string, NodeProcess>();
        try
        {
            foreach (var name in new[] { "node-a", "node-b", "node-c" })
            {
                var service = Map(services, name);
                var args = ((YamlSequenceNode)service["command"]).Children.Select(c => Local(c.ToString())).ToList();
                var environment = Map(service, "environment").Children.ToDictionary(e => e.Key.ToString(), e => Local(e.Value.ToString()));
                var listen = args[args.IndexOf("--listen") + 1].Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
                nodes[name] = await NodeProcess.StartAsync(new Uri($"http://{listen}"), [.. args, "--Logging:LogLevel:Default", "Warning"], environment);
            }

            var (a, b, c) = (nodes["node-a"], nodes["node-b"], nodes["node-c"]);
            await Poll.Until(() => NodeIds(b).Result.SequenceEqual(["a", "b", "c"]), "the three nodes to list each other", timeoutSeconds: 15);

            // A stream held by a: a player on b gets it through a relay.
            using (var published = await a.Http.PostAsync("/whip/cam", Offers.Sdp(Offers.Publish(new Rtc.Sdp.RtpCodec(96, "VP8", 90000)))))
            {
                Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            }

            using (var played = await b.Http.PostAsync("/whep/cam", Offers.Sdp(Offers.Play())))
            {
                Assert.Equal(HttpStatusCode.Created, played.StatusCode);
            }

            Assert.True((await Publisher(b))?.Relay, "b relays the stream from a");

            // a dies: it leaves the registry within 3 heartbeats, b's relay from it ends, and the stream is free again.
            var killed = DateTime.UtcNow;
            await a.KillAsync();
            await Poll.Until(() => NodeIds(b).Result.SequenceEqual(["b", "c"]), "a to expire from the registry", timeoutSeconds: 10);
            Assert.InRange(DateTime.UtcNow - killed, TimeSpan.Zero, TimeSpan.FromSeconds(4.5));
            await Poll.Until(() => Publisher(b).Result is null, "b's relay from a to end", timeoutSeconds: 5);
            using var again = await c.Http.PostAsync("/whip/cam", Offers.Sdp(Offers.Publish(new Rtc.Sdp.RtpCodec(96, "VP8", 90000))));
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);

            // The player on b stayed, and gets the stream from its new node.
            await Poll.Until(() => Publisher(b).Result is { Relay: true } relay && relay.Source!.Contains(c.BaseUri.Authority, StringComparison.Ordinal),
                "b to relay the stream from c", timeoutSeconds: 5);
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task<List<string>> NodeIds(NodeProcess node)
    {
        using var response = await node.Http.GetAsync("/api/cluster/nodes");
        return response.IsSuccessStatusCode
            ? [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(n => n.GetProperty("id").GetString()!)]
            : [];
    }

    private static async Task<(bool Relay, string? Source)?> Publisher(NodeProcess node)
    {
        using var response = await node.Http.GetAsync("/api/streams/cam");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var publisher = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("publisher");
        if (publisher.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return publisher.TryGetProperty("cascade", out var cascade) && cascade.ValueKind == JsonValueKind.Object
            ? (cascade.GetProperty("relay").GetBoolean(), cascade.GetProperty("sourceUrl").GetString())
            : (false, null);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string Text(YamlMappingNode node, string key) => node.Children.TryGetValue(key, out var value) ? value.ToString() : string.Empty;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Sluice.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Sluice.slnx not found above " + AppContext.BaseDirectory);
    }

    // A port after a colon (127.0.0.1:7777, 0.0.0.0:6379) or a bare port argument.
    [GeneratedRegex(@"(^|:)(6379|777\d)\b")]
    private static partial Regex PortPattern();
}
