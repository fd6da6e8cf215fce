using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// Joining a room of two with LiveKit's JS client, ten times over (issue 12's join-time figure): ann and bob publish
/// camera and microphone; a third participant joins with the SDK's defaults, decodes a frame of theirs, and leaves,
/// ten times, each in a fresh tab. Every join must decode; the times are printed (WebSocket open to first remote frame
/// decoded, p50 and worst), not asserted: a loaded machine says nothing of the node.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class LiveKitJoinTimeTests(ITestOutputHelper log)
{
    private const int Joins = 10;

    [ChromiumFact]
    public async Task A_third_participant_joins_ten_times_and_decodes_the_others_each_time()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        foreach (var person in new[] { "ann", "bob" })
        {
            var tab = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
            await tab.JoinAsync(node.BaseUri, "timed", person);
            await tab.PublishAsync();
        }

        var times = new List<LiveKitTab.JoinTime>();
        for (var i = 0; i < Joins; i++)
        {
            var tab = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
            var time = await tab.TimedJoinAsync(node.BaseUri, "timed", $"cy{i}");
            Assert.True(time.ConnectToOpen > 0 && time.OpenToFrame > 0, $"join {i}: {time}");
            times.Add(time);
            await tab.LeaveAsync();
            await tab.Page.CloseAsync();
        }

        static string Summary(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return $"p50 {sorted[sorted.Length / 2]:0} ms, best {sorted[0]:0}, worst {sorted[^1]:0}";
        }

        log.WriteLine($"{Joins} joins into a room of two: connect() to WebSocket open {Summary(times.Select(t => t.ConnectToOpen))}; "
            + $"WebSocket open to first remote frame decoded {Summary(times.Select(t => t.OpenToFrame))}; "
            + $"all: {string.Join(", ", times.Select(t => $"{t.ConnectToOpen:0}+{t.OpenToFrame:0}"))}");
    }
}
