using System.Text.RegularExpressions;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// <c>sluice-cli room</c> in a room with a Chromium participant: the CLI publishes files and receives everyone
/// else; the browser decodes the CLI's video, and the CLI counts the browser's packets, with PUB_JOIN and PUB_LEFT.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed partial class CliRoomTests
{
    [ChromiumFact]
    public async Task The_cli_and_a_browser_receive_each_other_in_a_room()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var bob = await WeeverTab.OpenAsync(chromium.Browser, node.BaseUri);
        await bob.JoinAsync("mixed", "bob");

        var cli = Support.Cli.RunAsync("room", node.BaseUri.ToString().TrimEnd('/'), "--room", "mixed", "--id", "ann",
            "--video", TestMedia.Video("VP8"), "--audio", TestMedia.Opus(), "--loop", "--subscribe", "--duration", "12");
        await bob.WaitAsync(r => r.Any(p => p.Key.StartsWith("ann+", StringComparison.Ordinal) && p.Value.FramesDecoded >= 30 && p.Value.AudioPackets > 0),
            "bob decoding the CLI's video and audio");

        // bob leaves while the CLI is still there: the CLI hears PUB_LEFT.
        await bob.Page.EvaluateAsync("() => { window.pubControl.send('STOP'); window.subControl.send('STOP'); }");
        var (exit, output) = await cli;
        Assert.True(exit == 0, output);
        Assert.Matches(@"PUB_JOIN bob\+\d+", output);
        Assert.Matches(@"PUB_LEFT bob\+\d+", output);
        var received = Received().Match(output);
        Assert.True(received.Success, output);
        Assert.True(long.Parse(received.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 100, output);
        Assert.Matches(@"published \d+ packets", output);
        Assert.DoesNotMatch(@"ann\+\d+: \d+ packets", output);
    }

    [Theory]
    [InlineData("VP8")]
    [InlineData("VP9")]
    [InlineData("H264")]
    [InlineData("AV1")]
    public async Task Load_with_a_room_runs_publishers_and_subscribers_and_every_subscriber_gets_every_other_publisher(string codec)
    {
        await using var node = await TestNode.StartAsync();
        var (exit, output) = await Support.Cli.RunAsync("load", node.BaseUri.ToString().TrimEnd('/'), "--room", "lt", "--publishers", "2",
            "--subscribers", "3", "--duration", "4", "--video", TestMedia.Video(codec), "--audio", TestMedia.Opus());
        Assert.True(exit == 0, output);
        Assert.Contains("3 of 3 subscribers connected", output, StringComparison.Ordinal);

        // p0's and p1's own subscribers get the other one; s2 gets both.
        Assert.Contains("publisher streams received: 4 of 4, with video: 4", output, StringComparison.Ordinal);
        Assert.Matches(@"POST to PUB_JOIN at a subscriber, ms: median \d+", output);
    }

    [GeneratedRegex(@"bob\+\d+: (\d+) packets \(\d+ video\), \d+ lost")]
    private static partial Regex Received();
}
