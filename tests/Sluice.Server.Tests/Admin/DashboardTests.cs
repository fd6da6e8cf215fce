using Microsoft.Playwright;
using Sluice.Client.Publish;
using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Testing;
using static Sluice.Server.Tests.Admin.AdminClient;

namespace Sluice.Server.Tests.Admin;

/// <summary>The dashboard at / in Chromium, as an operator uses it: watch a stream, preview it, kick a subscriber.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class DashboardTests
{
    private static readonly PageWaitForFunctionOptions Wait = new() { Timeout = 30_000 };

    [ChromiumFact]
    public async Task The_dashboard_lists_a_cli_stream_previews_it_and_kicks_a_subscriber()
    {
        await using var node = await TestNode.StartAsync();
        using var publishing = new CancellationTokenSource();
        using var http = new HttpClient();
        var publisher = new WhipPublisher(new WhipPublisherOptions(new Uri(node.BaseUri, "/whip/dash"))
        {
            VideoPath = TestMedia.Video("VP8"),
            AudioPath = TestMedia.Opus(),
            Loop = true,
        }, http);
        var run = publisher.RunAsync(publishing.Token);
        using var viewer = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/dash"));
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        try
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(node.BaseUri.ToString());

            // The stream appears from the event stream, its publisher connected and sending.
            await page.WaitForFunctionAsync("""
                () => {
                  const row = document.querySelector('tr[data-role="publisher"]');
                  return document.querySelector('tr.stream[data-stream="dash"]') && row
                    && row.querySelector('.state-connected') && row.children[5].textContent !== '0';
                }
                """, null, Wait);
            Assert.Equal("live", await page.TextContentAsync("#live"));
            Assert.Contains("video/VP8", await page.TextContentAsync("tr[data-role=\"publisher\"]"), StringComparison.Ordinal);

            // The preview plays: the node's media decoded in the page.
            await page.ClickAsync("button.preview-toggle[data-stream=\"dash\"]");
            await page.WaitForFunctionAsync("""
                () => {
                  const v = document.querySelector('[data-preview="dash"] video');
                  return v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 30;
                }
                """, null, Wait);
            var stream = await StreamAsync(node.Http, "dash");
            Assert.Equal(2, stream.Subscribers().Length);

            // Kick the other viewer: its row goes (via the event stream) and so does its session.
            var viewerId = SessionId(viewer);
            var closed = Await.State(viewer.Transport, TransportState.Closed);
            await page.ClickAsync($"button.kick[data-session=\"{viewerId}\"]");
            await page.WaitForFunctionAsync($"() => !document.querySelector('tr[data-session=\"{viewerId}\"]')", null, Wait);
            await Await.WithTimeout(closed, TimeSpan.FromSeconds(5), "the kicked viewer's close_notify");
            Assert.False(node.Node.TryGetSession("dash", viewerId, out _));

            // The page's own preview is untouched, marked as its own, and still playing.
            Assert.Equal(1, await page.Locator("tr[data-role=\"subscriber\"]").CountAsync());
            Assert.Equal("this page", await page.TextContentAsync("tr[data-role=\"subscriber\"] .mine"));
            var frames = await page.EvaluateAsync<int>("() => document.querySelector('[data-preview=\"dash\"] video').getVideoPlaybackQuality().totalVideoFrames");
            await page.WaitForFunctionAsync(
                $"() => document.querySelector('[data-preview=\"dash\"] video').getVideoPlaybackQuality().totalVideoFrames > {frames + 30}", null, Wait);
        }
        finally
        {
            await publishing.CancelAsync();
            await run;
        }
    }

    [ChromiumFact]
    public async Task The_token_is_kept_and_sent_as_a_bearer_on_api_calls_and_in_the_event_stream_url()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        var page = await browser.NewPageAsync();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string Url, string? Authorization)>();
        page.Request += (_, request) => seen.Enqueue((request.Url, request.Headers.TryGetValue("authorization", out var value) ? value : null));
        await page.GotoAsync(node.BaseUri.ToString());
        await page.FillAsync("#token", "s3cret");
        await page.ClickAsync("#token-save");
        await page.FillAsync("#new-stream", "made-here");
        await page.ClickAsync("#create");
        await page.WaitForSelectorAsync("tr.stream[data-stream=\"made-here\"]", new PageWaitForSelectorOptions { Timeout = 10_000 });

        Assert.True(node.Node.TryGetStream("made-here", out _));
        Assert.Contains(seen, r => r.Url.EndsWith("/api/streams/made-here", StringComparison.Ordinal) && r.Authorization == "Bearer s3cret");
        Assert.Contains(seen, r => r.Url.EndsWith("/api/sse/streams?token=s3cret", StringComparison.Ordinal));

        // Reloaded, the page still has it.
        await page.ReloadAsync();
        Assert.Equal("s3cret", await page.InputValueAsync("#token"));
    }
}
