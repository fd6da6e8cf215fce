using Microsoft.Playwright;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Interop;

/// <summary>What a newcomer does first: open the node in Chromium, publish the camera, play it in another tab.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class HomePageTests
{
    [ChromiumFact]
    public async Task The_node_page_publishes_the_camera_and_another_tab_plays_it()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        var publisher = await browser.NewPageAsync();
        await publisher.GotoAsync(node.BaseUri.ToString());
        await publisher.FillAsync("#stream", "home");
        await publisher.ClickAsync("#publish");
        await publisher.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connection connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });

        var player = await browser.NewPageAsync();
        await player.GotoAsync(node.BaseUri.ToString());
        await player.FillAsync("#stream", "home");
        await player.ClickAsync("#play");
        await player.WaitForFunctionAsync(
            "() => { const v = document.getElementById('video'); return v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 30; }",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        await player.ClickAsync("#stop");
        await Poll.Until(() => node.Node.TryGetStream("home", out var s) && s!.Subscribers.IsEmpty, "Stop to end the player's session");
    }
}
