using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// Browsers on both ends: headless Chromium publishes its fake camera and microphone over WHIP, and two
/// Chromium tabs play the stream over WHEP through the node.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumWhipWhepTests
{
    [ChromiumTheory]
    [InlineData("VP8")]
    [InlineData("H264")]
    [InlineData("VP9")]
    [InlineData("AV1")]
    public async Task Chromium_publishes_and_two_chromium_tabs_play(string codec)
    {
        await using var node = await TestNode.StartAsync();
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var stream = "cam-" + codec.ToLowerInvariant();
            var publisher = await BrowserSession.OpenAsync(browser, node.BaseUri);
            await publisher.PublishAsync(stream, codec);
            await publisher.WaitConnectedAsync();

            var players = new[] { await BrowserSession.OpenAsync(browser, node.BaseUri), await BrowserSession.OpenAsync(browser, node.BaseUri) };
            foreach (var player in players)
            {
                await player.PlayAsync(stream);
            }

            foreach (var player in players)
            {
                await player.WaitConnectedAsync();
                var stats = await player.WaitInboundAsync(
                    s => s.TryGetValue("video", out var v) && v.FramesDecoded >= 30 && s.TryGetValue("audio", out var a) && a.PacketsReceived >= 50,
                    TimeSpan.FromSeconds(30), $"{codec} frames decoded and audio received");
                Assert.Equal("video/" + codec, stats["video"].MimeType, ignoreCase: true);
                Assert.Equal("audio/opus", stats["audio"].MimeType, ignoreCase: true);
                Assert.Equal(0, stats["video"].PacketsLost);
                Assert.Equal(0, stats["audio"].PacketsLost);
            }

            var sent = await publisher.OutboundAsync();
            Assert.Equal("video/" + codec, sent["video"].MimeType, ignoreCase: true);
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChromiumCollection
{
    public const string Name = "Chromium";
}
