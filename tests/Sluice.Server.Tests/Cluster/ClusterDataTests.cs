using System.Diagnostics;
using System.Text.Json;
using Sluice.Server.Tests.Cli;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cluster;

/// <summary>A relay carries data channels: lines a publisher on node a sends reach a player on node b, in order.</summary>
[Collection(MediaCollection.Name)]
public sealed class ClusterDataTests
{
    [RedisFact]
    public async Task Data_channel_messages_cross_a_relay_in_order()
    {
        const int Lines = 200;
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using var b = await ClusterNodes.StartAsync(redis, "b");
        var directory = TestMedia.TempDirectory();
        var output = Path.Combine(directory, "out.jsonl");
        var fifo = Path.Combine(directory, "lines");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var player = Support.Cli.RunAsync("whep", new Uri(b.BaseUri, "/whep/chat").ToString(), "--data-out", output, "--duration", "10", "--no-reconnect");
        await Poll.Until(() => b.Node.TryGetStream("chat", out var s) && s!.Subscribers.FirstOrDefault()?.Data is { IsEstablished: true }, "the player's association on b");

        // The publisher reads its lines from a pipe, written once the relay has brought its channel to the player.
        var publisher = Support.Cli.RunAsync("whip", new Uri(a.BaseUri, "/whip/chat").ToString(), "--data-in", fifo, "--label", "chat");
        await using (var writer = new StreamWriter(fifo))
        {
            await Poll.Until(() => b.Node.TryGetStream("chat", out var s) && s!.Publisher is { Cascade.IsRelay: true }
                && s.Subscribers.FirstOrDefault()?.Data?.Endpoint.Find("chat") is not null,
                "the publisher's channel to reach the player through the relay");
            for (var i = 0; i < Lines; i++)
            {
                await writer.WriteLineAsync($"line {i} über the relay");
            }
        }

        var (published, publishOutput) = await publisher;
        Assert.True(published == 0, publishOutput);
        var (played, playOutput) = await player;
        Assert.True(played == 0, playOutput);
        var received = File.ReadLines(output).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.True(received.Count == Lines, $"{received.Count} of {Lines} lines: {playOutput}");
        for (var i = 0; i < Lines; i++)
        {
            Assert.Equal("chat", received[i].GetProperty("label").GetString());
            Assert.Equal($"line {i} über the relay", received[i].GetProperty("text").GetString());
        }
    }
}
