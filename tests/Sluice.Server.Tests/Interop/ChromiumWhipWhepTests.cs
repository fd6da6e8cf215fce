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
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
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
    [ChromiumTheory]
    [InlineData("G722")]
    [InlineData("PCMU")]
    [InlineData("PCMA")]
    public async Task Chromium_publishes_each_audio_codec_and_chromium_plays_it(string codec)
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        var publisher = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await publisher.PublishAsync("voice", "VP8", codec);
        await publisher.WaitConnectedAsync();
        var player = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await player.PlayAsync("voice");
        await player.WaitConnectedAsync();

        var stats = await player.WaitInboundAsync(s => s.TryGetValue("audio", out var a) && a.PacketsReceived >= 100,
            TimeSpan.FromSeconds(30), $"{codec} audio at the player");
        Assert.Equal("audio/" + codec, stats["audio"].MimeType, ignoreCase: true);
        Assert.Equal(0, stats["audio"].PacketsLost);
    }

    [ChromiumFact]
    public async Task A_chromium_player_keeps_playing_when_the_publisher_leaves_and_another_returns_with_another_codec()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        // The player arrives first, so it is offered every codec and can follow the publishers' choices.
        var player = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await player.PlayAsync("relay");
        await player.WaitConnectedAsync();

        var first = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await first.PublishAsync("relay", "VP8");
        var vp8 = await player.WaitInboundAsync(s => s.TryGetValue("video", out var v) && v.FramesDecoded >= 30,
            TimeSpan.FromSeconds(30), "VP8 frames from the first publisher");
        Assert.Equal("video/VP8", vp8["video"].MimeType, ignoreCase: true);

        await first.StopAsync();
        await first.Page.CloseAsync();
        await Poll.Until(() => node.Node.TryGetStream("relay", out var s) && s!.Publisher is null, "the first publisher to leave");

        var second = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await second.PublishAsync("relay", "H264");
        var decodedBefore = vp8["video"].FramesDecoded;
        await player.WaitInboundAsync(
            s => s.TryGetValue("video", out var v) && v.MimeType.Equals("video/H264", StringComparison.OrdinalIgnoreCase) && v.FramesDecoded >= decodedBefore + 30,
            TimeSpan.FromSeconds(30), "H264 frames from the second publisher, on the same connection");
        Assert.True(await player.Page.EvaluateAsync<bool>("() => window.pc.connectionState === 'connected'"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChromiumCollection
{
    public const string Name = "Chromium";
}
