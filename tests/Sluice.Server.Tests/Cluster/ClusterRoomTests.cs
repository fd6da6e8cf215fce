using System.Text.RegularExpressions;
using Sluice.Server.Tests.Cli;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Cluster;

/// <summary>
/// A weever-streaming room spread over three nodes with a real redis-server: each participant, on its own node,
/// receives the two others through relays, announced by PUB_JOIN; one leaves and the others hear PUB_LEFT.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed partial class ClusterRoomTests
{
    [RedisFact]
    public async Task Participants_on_three_nodes_see_each_other_and_hear_one_leave()
    {
        Assert.True(Ffmpeg.IsInstalled, "ffmpeg makes the test media");
        var video = TestMedia.Video("VP8");
        var audio = TestMedia.Opus();
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ClusterNodes.StartAsync(redis, "a");
        await using var b = await ClusterNodes.StartAsync(redis, "b");
        await using var c = await ClusterNodes.StartAsync(redis, "c");
        await Poll.Until(() => ClusterNodes.CountAsync(a).Result == 3, "the three nodes to register");

        Task<(int Exit, string Output)> Join(TestNode node, string id, int seconds) =>
            Support.Cli.RunAsync("room", node.BaseUri.ToString().TrimEnd('/'), "--room", "spread", "--id", id,
                "--video", video, "--audio", audio, "--loop", "--subscribe", "--duration", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var ann = Join(a, "ann", 8);
        var bob = Join(b, "bob", 14);
        var cat = Join(c, "cat", 14);
        var (annExit, annOutput) = await ann;
        Assert.True(annExit == 0, annOutput);
        Assert.True(Packets(annOutput, "bob") > 100, annOutput);
        Assert.True(Packets(annOutput, "cat") > 100, annOutput);

        foreach (var (exit, output) in new[] { await bob, await cat })
        {
            Assert.True(exit == 0, output);
            Assert.Matches(@"PUB_JOIN ann\+\d+", output);
            Assert.Matches(@"PUB_LEFT ann\+\d+", output);
            Assert.True(Packets(output, "ann") > 100, output);
        }

        Assert.True(Packets((await bob).Output, "cat") > 100, (await bob).Output);
        Assert.True(Packets((await cat).Output, "bob") > 100, (await cat).Output);
        Assert.Equal(-1, Packets((await bob).Output, "bob"));
    }

    /// <summary>The packets a participant's CLI received from <paramref name="id"/>'s publisher; -1 when none are listed.</summary>
    private static long Packets(string output, string id)
    {
        var match = Regex.Match(output, Regex.Escape(id) + @"\+\d+: (\d+) packets");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

}
