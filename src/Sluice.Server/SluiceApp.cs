using System.Net;
using Microsoft.Extensions.Options;
using Sluice.Server.Auth;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server;

/// <summary>Builds the node's web application: configuration, the forwarding node, the HTTP surface.</summary>
public static partial class SluiceApp
{
    public static WebApplication Build(string[] args)
    {
        var flags = CommandLine.ToConfiguration(args, out var rest);
        // Content (appsettings.json, wwwroot) lives beside the binary, wherever the node is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. rest], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("SLUICE_");
        builder.Configuration.AddInMemoryCollection(flags);

        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddProblemDetails();
        builder.Services.AddCors();
        builder.Services.AddSluiceAuth(builder.Configuration);
        builder.Services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ServerOptions>>().Value;
            return new SfuNode(new SfuOptions
            {
                MediaEndPoint = new IPEndPoint(IPAddress.Any, options.UdpPort),
                AnnouncedAddresses = AnnouncedAddresses.Resolve(options.AnnounceIp),
                ConsentTimeout = TimeSpan.FromSeconds(options.ConsentTimeoutSeconds),
            }, TimeProvider.System, provider.GetRequiredService<ILogger<SfuNode>>());
        });

        var listen = builder.Configuration["Listen"] ?? new ServerOptions().Listen;
        builder.WebHost.UseUrls($"http://{listen}");

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors(cors => cors
            .AllowAnyOrigin()
            .AllowAnyHeader()
            .WithMethods("GET", "POST", "PATCH", "DELETE", "OPTIONS")
            .WithExposedHeaders("Location", "ETag", "Link", "Accept-Patch", "Accept-Post"));
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapWhip();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.Lifetime.ApplicationStarted.Register(() => LogListening(app));
        return app;
    }

    private static void LogListening(WebApplication app)
    {
        var node = app.Services.GetRequiredService<SfuNode>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice");
        LogStarted(logger, string.Join(", ", app.Urls), node.Mux.LocalEndPoint.ToString(), string.Join(", ", node.Announced));
    }

    [LoggerMessage(1, LogLevel.Information, "Sluice listening: HTTP {Urls}, media UDP {Media}; ICE candidates announced: {Announced}")]
    private static partial void LogStarted(ILogger logger, string urls, string media, string announced);
}
