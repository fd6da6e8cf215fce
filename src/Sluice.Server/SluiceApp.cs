using System.Net;
using Microsoft.Extensions.Options;
using Sluice.Server.Admin;
using Sluice.Server.Auth;
using Sluice.Server.Health;
using Sluice.Server.LiveKit;
using Sluice.Server.Metrics;
using Sluice.Server.Rooms;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server;

/// <summary>Builds the node's web application: configuration, the forwarding node, the HTTP surface.</summary>
public static partial class SluiceApp
{
    /// <summary>Builds the node from its command line; a bad configuration throws <see cref="SluiceConfigurationException"/>.</summary>
    public static WebApplication Build(string[] args)
    {
        Dictionary<string, string?> flags;
        List<string> rest;
        string? configFile;
        try
        {
            flags = CommandLine.ToConfiguration(args, out rest, out configFile);
        }
        catch (ArgumentException e)
        {
            throw new SluiceConfigurationException([e.Message]);
        }

        // Content (appsettings.json, wwwroot) lives beside the binary, wherever the node is started from.
        // Precedence, lowest first: appsettings.json, --config FILE, SLUICE_ variables, command-line flags.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. rest], ContentRootPath = AppContext.BaseDirectory });
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new SluiceConfigurationException([$"--config: '{configFile}' does not exist"]);
            }

            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables("SLUICE_");
        builder.Configuration.AddInMemoryCollection(flags);
        CheckConfiguration(builder.Configuration);

        // Request-start lines carry the URL, and with it a ?token= (EventSource cannot send headers): keep them out.
        // A filter per provider: a provider's own configured level (Logging:Console:LogLevel) would beat a general one.
        const string requestLines = "Microsoft.AspNetCore.Hosting.Diagnostics";
        builder.Logging.AddFilter(requestLines, LogLevel.Warning);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(requestLines, LogLevel.Warning);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Debug.DebugLoggerProvider>(requestLines, LogLevel.Warning);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.EventSource.EventSourceLoggerProvider>(requestLines, LogLevel.Warning);
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddProblemDetails();
        builder.Services.AddCors();
        builder.Services.AddNodeMetrics();
        builder.Services.AddDrain(builder.Configuration);
        builder.Services.AddAdmin();
        builder.Services.AddSluiceAuth(builder.Configuration);
        builder.Services.AddSingleton(_ => new RoomTokens(TimeProvider.System));
        builder.Services.AddOptions<Cluster.ClusterOptions>().Bind(builder.Configuration.GetSection(Cluster.ClusterOptions.Section))
            .Validate(o => o.HeartbeatSeconds is >= 0.1 and <= 60, "Cluster:HeartbeatSeconds must be 0.1 to 60")
            .ValidateOnStart();
        builder.Services.AddSingleton<Cluster.NodeRegistry>();
        builder.Services.AddSingleton<Cluster.ClusterToken>();
        if (builder.Configuration.GetSection(Cluster.ClusterOptions.Section).Get<Cluster.ClusterOptions>() is { Enabled: true })
        {
            // In a cluster, the directory on Redis answers where publishers are; the local node forwards.
            builder.Services.AddHostedService(provider => provider.GetRequiredService<Cluster.NodeRegistry>());
            builder.Services.AddSingleton<Cluster.ClusterDirectory>();
            builder.Services.AddSingleton<Cluster.ClusterSfu>();
            builder.Services.AddHostedService(provider => provider.GetRequiredService<Cluster.ClusterSfu>());
            builder.Services.AddSingleton<ISfu>(provider => provider.GetRequiredService<Cluster.ClusterSfu>());
        }
        else
        {
            builder.Services.AddSingleton<ISfu>(provider => provider.GetRequiredService<SfuNode>());
        }

        builder.Services.AddSingleton<Cascade.CascadeClient>();
        builder.Services.AddHostedService<Cascade.CascadeSupervisor>();
        builder.Services.AddSingleton(provider => new RoomSignalling(provider.GetRequiredService<SfuNode>(), TimeProvider.System, provider.GetRequiredService<ILogger<RoomSignalling>>()));
        builder.Services.AddHostedService(provider => provider.GetRequiredService<RoomSignalling>());
        builder.Services.AddSingleton(provider => new LiveKit.LiveKitRooms(provider.GetRequiredService<SfuNode>(), TimeProvider.System, provider.GetRequiredService<ILogger<LiveKit.LiveKitRooms>>()));
        builder.Services.AddHostedService(provider => provider.GetRequiredService<LiveKit.LiveKitRooms>());
        builder.Services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ServerOptions>>().Value;
            try
            {
                return new SfuNode(new SfuOptions
                {
                    MediaEndPoint = new IPEndPoint(IPAddress.Any, options.UdpPort),
                    AnnouncedAddresses = AnnouncedAddresses.Resolve(options.AnnounceIp),
                    ConsentTimeout = TimeSpan.FromSeconds(options.ConsentTimeoutSeconds),
                    CongestionControl = options.CongestionControl,
                    DataChannelBufferBytes = options.DataChannelBufferBytes,
                    NegotiatedDataChannels = options.ParseNegotiatedDataChannels(),
                }, TimeProvider.System, provider.GetRequiredService<ILogger<SfuNode>>());
            }
            catch (System.Net.Sockets.SocketException e)
            {
                // A busy or forbidden media port is the operator's to fix, like any other bad value.
                throw new SluiceConfigurationException(
                    [$"UdpPort: cannot bind UDP port {options.UdpPort} ({e.Message}); free it or choose another with --udp-port or SLUICE_UdpPort"]);
            }
        });

        var listen = builder.Configuration["Listen"] ?? new ServerOptions().Listen;
        builder.WebHost.UseUrls($"http://{listen}");

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseHttpMetrics();
        app.UseStatusCodePages();
        app.UseCors(cors => cors
            .AllowAnyOrigin()
            .AllowAnyHeader()
            .WithMethods("GET", "POST", "PATCH", "DELETE", "OPTIONS")
            .WithExposedHeaders("Location", "ETag", "Link", "Accept-Patch", "Accept-Post", "Retry-After", "WWW-Authenticate"));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapWhip();
        app.MapWeever();
        app.MapLiveKit();
        app.MapRoomService();
        app.MapAdmin().RequireAccess(AccessRight.Admin);
        app.MapRoomAdmin().RequireRoomAccess(AccessRight.Admin);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapHealth();
        app.MapMetrics();
        app.Lifetime.ApplicationStarted.Register(() => LogListening(app));
        return app;
    }

    /// <summary>Binds and validates now, before any port is opened, so a bad value stops the start with its key.</summary>
    private static void CheckConfiguration(IConfiguration configuration)
    {
        ServerOptions options;
        try
        {
            options = configuration.Get<ServerOptions>() ?? new ServerOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key ("Failed to convert configuration value at 'UdpPort' to type 'System.Int32'").
            throw new SluiceConfigurationException([e.Message]);
        }

        var result = new ServerOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new SluiceConfigurationException([.. result.Failures]);
        }
    }

    private static void LogListening(WebApplication app)
    {
        var node = app.Services.GetRequiredService<SfuNode>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice");
        LogStarted(logger, string.Join(", ", app.Urls), node.MediaEndPoint.ToString(), string.Join(", ", node.Announced));
    }

    [LoggerMessage(1, LogLevel.Information, "Sluice listening: HTTP {Urls}, media UDP {Media}; ICE candidates announced: {Announced}")]
    private static partial void LogStarted(ILogger logger, string urls, string media, string announced);
}
