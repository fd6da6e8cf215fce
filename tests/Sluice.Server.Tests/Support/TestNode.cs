using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server;
using Sluice.Sfu;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// A real `sluice` node in the test process: HTTP on 127.0.0.1 and a free port, media UDP on a free port,
/// announcing only 127.0.0.1, as TESTING.md asks.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private TestNode(WebApplication app)
    {
        App = app;
        BaseUri = new Uri(app.Urls.First());
        Http = new HttpClient { BaseAddress = BaseUri };
    }

    public WebApplication App { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public SfuNode Node => App.Services.GetRequiredService<SfuNode>();

    public static Task<TestNode> StartAsync(params string[] extraArgs) => StartAsync(_ => { }, extraArgs);

    /// <summary>Starts a node after <paramref name="configure"/> has had the built app (to map test endpoints, add log providers).</summary>
    public static async Task<TestNode> StartAsync(Action<WebApplication> configure, params string[] extraArgs)
    {
        string[] args = ["--listen", "127.0.0.1:0", "--udp-port", "0", "--announce-ip", "127.0.0.1", "--Logging:LogLevel:Default", "Warning", .. extraArgs];
        var app = SluiceApp.Build(args);
        configure(app);
        await app.StartAsync();
        return new TestNode(app);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
