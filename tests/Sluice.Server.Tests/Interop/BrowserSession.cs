using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Testing;

namespace Sluice.Server.Tests.Interop;

/// <summary>One Chromium tab on the node's own origin, publishing or playing.</summary>
internal sealed class BrowserSession
{
    private BrowserSession(IPage page) => Page = page;

    public IPage Page { get; }

    public static async Task<BrowserSession> OpenAsync(IBrowser browser, Uri node)
    {
        var page = await browser.NewPageAsync();
        var url = new Uri(node, "/__test/page.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = BrowserPages.Html }));
        await page.GotoAsync(url);
        return new BrowserSession(page);
    }

    public Task PublishAsync(string stream, string? codec, string? audioCodec = null) =>
        Page.EvaluateAsync("([s, c, a]) => window.publish('/whip/' + s, c, a)", new object?[] { stream, codec, audioCodec });

    public Task PlayAsync(string stream) => Page.EvaluateAsync("s => window.play('/whep/' + s)", stream);

    public Task StopAsync() => Page.EvaluateAsync("() => window.stop()");

    public Task WaitConnectedAsync() => Page.WaitForFunctionAsync("() => window.pc && window.pc.connectionState === 'connected'", null,
        new PageWaitForFunctionOptions { Timeout = 20_000 });

    public async Task<Dictionary<string, InboundRtp>> InboundAsync() =>
        JsonSerializer.Deserialize<Dictionary<string, InboundRtp>>(await Page.EvaluateAsync<string>("() => window.inbound()"), JsonSerializerOptions.Web)!;

    public async Task<Dictionary<string, OutboundRtp>> OutboundAsync() =>
        JsonSerializer.Deserialize<Dictionary<string, OutboundRtp>>(await Page.EvaluateAsync<string>("() => window.outbound()"), JsonSerializerOptions.Web)!;

    /// <summary>Polls inbound stats until <paramref name="done"/> holds, or fails with the last stats seen.</summary>
    public Task<Dictionary<string, InboundRtp>> WaitInboundAsync(Func<Dictionary<string, InboundRtp>, bool> done, TimeSpan timeout, string what) =>
        PollAsync(InboundAsync, done, timeout, what);

    /// <summary>Reads page state every 200 ms until <paramref name="done"/> holds, or fails with the last state read.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T state;
        do
        {
            state = await read();
            if (done(state))
            {
                return state;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"{what}: not reached in {timeout.TotalSeconds} s; last seen: {JsonSerializer.Serialize(state)}");
    }
}

internal sealed record InboundRtp(long PacketsReceived, long PacketsLost, long FramesDecoded, long NackCount, long PliCount, string MimeType);

internal sealed record OutboundRtp(long PacketsSent, string MimeType);
