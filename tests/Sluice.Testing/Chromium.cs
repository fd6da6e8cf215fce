using Microsoft.Playwright;

namespace Sluice.Testing;

/// <summary>Debian's Chromium driven by Playwright (its own browser download cannot work here).</summary>
public static class Chromium
{
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("SLUICE_CHROMIUM") ?? "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public static bool IsRequired => Environment.GetEnvironmentVariable("SLUICE_REQUIRE_BROWSER") == "1";

    /// <summary>
    /// Launches Chromium (see <see cref="LaunchAsync"/>) as one disposable: <c>await using var chromium = await Chromium.StartAsync();</c>.
    /// The fake camera runs at its default 20 fps unless <paramref name="cameraFps"/> says otherwise (5 to 60).
    /// </summary>
    public static async Task<ChromiumBrowser> StartAsync(int? cameraFps = null)
    {
        var (playwright, browser) = await LaunchAsync(cameraFps);
        return new ChromiumBrowser(playwright, browser);
    }

    /// <summary>
    /// Launches headless Chromium with a fake camera and microphone and loopback ICE allowed. Playwright gives
    /// each launch a fresh temporary profile.
    /// </summary>
    private static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(int? cameraFps = null)
    {
        var fakeCamera = cameraFps is { } fps ? $"--use-fake-device-for-media-stream=fps={fps}" : "--use-fake-device-for-media-stream";
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                fakeCamera, "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>
    /// A page on http://127.0.0.1 (a secure context, so getUserMedia works) whose HTML Playwright
    /// serves itself: no web server needed.
    /// </summary>
    public static async Task<IPage> OpenPageAsync(IBrowser browser, string html)
    {
        var page = await browser.NewPageAsync();
        const string url = "http://127.0.0.1:9/sluice-test.html";
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = html,
        }));
        await page.GotoAsync(url);
        return page;
    }
}

/// <summary>A launched Chromium and its Playwright driver, closed together.</summary>
public sealed class ChromiumBrowser(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    public IBrowser Browser { get; } = browser;

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright.Dispose();
    }
}
