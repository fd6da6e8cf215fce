using Microsoft.Extensions.Options;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server.Admin;

/// <summary>
/// The operator's API under /api: streams and their sessions (list, show, create, delete, kick), the node's
/// own description, and a Server-Sent Events feed of the stream list for the dashboard. Everything is mapped on
/// one route group, so access control is one call on what <see cref="MapAdmin"/> returns.
/// </summary>
internal static partial class AdminEndpoints
{
    /// <summary>How often an event stream checks for changes; a change reaches the dashboard within this.</summary>
    private static readonly TimeSpan ChangePollInterval = TimeSpan.FromMilliseconds(250);

    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AdminMonitor>();
        services.AddHostedService(provider => provider.GetRequiredService<AdminMonitor>());
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJson.Default));
        return services;
    }

    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/info", Info);
        api.MapGet("/streams", (SfuNode node, AdminMonitor monitor) => TypedResults.Json(StreamSnapshots.All(node, monitor), AdminJson.Default.StreamInfoArray));
        api.MapGet("/streams/{stream}", (string stream, SfuNode node, AdminMonitor monitor) =>
            node.TryGetRoom(new RoomId(stream), out var found)
                ? Results.Json(StreamSnapshots.Stream(found!, monitor), AdminJson.Default.StreamInfo)
                : StreamNotFound(stream));
        api.MapPost("/streams/{stream}", CreateStream);
        api.MapDelete("/streams/{stream}", async (string stream, ISfu sfu) =>
            await sfu.DeleteRoomAsync(new RoomId(stream)) ? Results.NoContent() : StreamNotFound(stream));
        api.MapDelete("/streams/{stream}/sessions/{session}", KickSession);
        api.MapGet("/sse/streams", (HttpContext context, SfuNode node, AdminMonitor monitor, TimeProvider time, IHostApplicationLifetime lifetime) =>
            Events(context, node, monitor, time, lifetime, "streams", () => JsonSerializer.SerializeToUtf8Bytes(StreamSnapshots.All(node, monitor), AdminJson.Default.StreamInfoArray)))
            .WithMetadata(Auth.QueryTokenAllowed.Instance);
        api.MapGet("/cluster/nodes", ClusterNodes);
        Cascade.CascadeEndpoints.MapCascade(api);
        Cluster.RelayEndpoints.MapRelay(api);
        api.MapGet("/sse/rooms", (HttpContext context, SfuNode node, AdminMonitor monitor, TimeProvider time, IHostApplicationLifetime lifetime) =>
            Events(context, node, monitor, time, lifetime, "rooms", () => JsonSerializer.SerializeToUtf8Bytes(RoomSnapshots.All(node, monitor), AdminJson.Default.RoomInfoArray)))
            .WithMetadata(Auth.QueryTokenAllowed.Instance);
        return api;
    }

    /// <summary>
    /// The room API, under /api/rooms: its own group, because a token may administer one room (<c>"room": "r"</c>,
    /// admin mode) without any stream; listing every room needs a token for every room.
    /// </summary>
    public static RouteGroupBuilder MapRoomAdmin(this IEndpointRouteBuilder app)
    {
        var rooms = app.MapGroup("/api/rooms");
        rooms.MapGet("/", (SfuNode node, AdminMonitor monitor) => TypedResults.Json(RoomSnapshots.All(node, monitor), AdminJson.Default.RoomInfoArray));
        rooms.MapGet("/{room}", (string room, SfuNode node, AdminMonitor monitor) =>
            node.TryGetRoom(RoomId.Conference(room), out var found)
                ? Results.Json(RoomSnapshots.Room(found!, monitor), AdminJson.Default.RoomInfo)
                : RoomNotFound(room));
        rooms.MapDelete("/{room}", async (string room, ISfu sfu) =>
            await sfu.DeleteRoomAsync(RoomId.Conference(room)) ? Results.NoContent() : RoomNotFound(room));
        rooms.MapDelete("/{room}/participants/{participant}", KickParticipant);
        rooms.MapRoomSubscriptions();
        return rooms;
    }

    private static async Task<IResult> CreateStream(string stream, ISfu sfu, SfuNode node, AdminMonitor monitor)
    {
        if (!WhipEndpoints.IsValidStreamId(stream))
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Invalid stream name",
                $"'{stream}' is not a stream name: use 1 to 128 of A-Z a-z 0-9 - _ .");
        }

        if (!await sfu.CreateRoomAsync(new RoomId(stream)) || !node.TryGetRoom(new RoomId(stream), out var created))
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "Stream exists",
                $"stream '{stream}' already exists; DELETE /api/streams/{stream} first to start it afresh");
        }

        return Results.Json(StreamSnapshots.Stream(created!, monitor), AdminJson.Default.StreamInfo, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> KickSession(string stream, string session, ISfu sfu, SfuNode node, ILoggerFactory loggers)
    {
        if (!node.TryGetRoom(new RoomId(stream), out _))
        {
            return StreamNotFound(stream);
        }

        if (!await sfu.EndSessionAsync(new RoomId(stream), new SessionId(session), Sfu.Sessions.SessionEndReason.Kicked))
        {
            return Problems.SessionNotFound(stream, session);
        }

        LogKicked(loggers.CreateLogger("Sluice.Admin"), session, stream);
        return Results.NoContent();
    }

    /// <summary>Kicks a person: every session of theirs in the room (camera, screen, subscriber) ends.</summary>
    private static async Task<IResult> KickParticipant(string room, string participant, ISfu sfu, SfuNode node, ILoggerFactory loggers)
    {
        if (!node.TryGetRoom(RoomId.Conference(room), out var found))
        {
            return RoomNotFound(room);
        }

        var sessions = found!.Publishers.Cast<Sfu.Sessions.SfuSession>().Concat(found.Subscribers).Where(s => s.Participant?.Id == participant).ToList();
        if (sessions.Count == 0)
        {
            return Problems.Problem(StatusCodes.Status404NotFound, "No such participant",
                $"nobody with id '{participant}' is in room '{room}' (GET /api/rooms/{room} lists who is)");
        }

        foreach (var session in sessions)
        {
            await sfu.EndSessionAsync(found.Id, session.Id, Sfu.Sessions.SessionEndReason.Kicked);
        }

        LogParticipantKicked(loggers.CreateLogger("Sluice.Admin"), participant, room, sessions.Count);
        return Results.NoContent();
    }

    /// <summary>The nodes of the cluster with their load (this node alone without Redis); 503 with the reason while Redis does not answer.</summary>
    private static async Task<IResult> ClusterNodes(Cluster.NodeRegistry registry, IOptions<Cluster.ClusterOptions> cluster)
    {
        if (!cluster.Value.Enabled)
        {
            return Results.Json(new[] { registry.Local() }, AdminJson.Default.NodeEntryArray);
        }

        try
        {
            return Results.Json([.. await registry.ListAsync()], AdminJson.Default.NodeEntryArray);
        }
        catch (StackExchange.Redis.RedisException e)
        {
            return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Cluster unavailable",
                $"Redis ({cluster.Value.Redis}) does not answer, so the other nodes cannot be listed; live sessions go on. {e.Message}");
        }
    }

    private static IResult Info(SfuNode node, AdminMonitor monitor)
    {
        var streams = node.Streams;
        var sessions = 0;
        foreach (var stream in streams)
        {
            sessions += stream.Subscribers.Length + (stream.Publisher is null ? 0 : 1);
        }

        var (version, build) = BuildVersion.Value;
        return Results.Json(new NodeInfo(version, build, (long)monitor.Uptime.TotalSeconds, node.MediaEndPoint.ToString(),
            [.. node.Announced.Select(a => a.ToString())], streams.Count, sessions), AdminJson.Default.NodeInfo);
    }

    /// <summary>
    /// The stream list (or the room list) as Server-Sent Events (WHATWG HTML §9.2): a snapshot on connect, another
    /// after every change in the node, and one per stats tick with fresh bitrates. Each is an event named
    /// <paramref name="name"/> ("streams", "rooms") whose data is the JSON of GET /api/streams (/api/rooms). The loop
    /// only reads counters the node bumps, so no node thread ever waits for a slow client; it ends when the client
    /// goes away.
    /// </summary>
    private static async Task Events(HttpContext context, SfuNode node, AdminMonitor monitor, TimeProvider time, IHostApplicationLifetime lifetime,
        string name, Func<byte[]> snapshot)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Reverse proxies (nginx) would otherwise hold events back in their buffers.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // The host waits for requests in flight before it stops: an event stream ends with the node, not after.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ending.Token;
        monitor.EventStreamOpened();
        try
        {
            // The browser reconnects on its own after this many milliseconds if the connection drops.
            await response.WriteAsync("retry: 2000\n\n", aborted);
            using var poll = new PeriodicTimer(ChangePollInterval, time);
            long version = -1, tick = -1;
            do
            {
                var nowVersion = node.Version;
                var nowTick = monitor.Tick;
                if (nowVersion == version && nowTick == tick)
                {
                    continue;
                }

                version = nowVersion;
                tick = nowTick;
                await WriteEvent(response, name, snapshot(), aborted);
            }
            while (await poll.WaitForNextTickAsync(aborted));
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left or the node is stopping: nothing to clean up beyond the timer.
        }
        finally
        {
            monitor.EventStreamClosed();
        }
    }

    /// <summary>One event: its name, then the data on a single line (compact JSON has no line breaks), then a blank line.</summary>
    private static async Task WriteEvent(HttpResponse response, string name, byte[] data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("event: " + name + "\ndata: ", cancellationToken);
        await response.Body.WriteAsync(data, cancellationToken);
        await response.WriteAsync("\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static IResult RoomNotFound(string room) =>
        Problems.Problem(StatusCodes.Status404NotFound, "No such room", $"room '{room}' does not exist (GET /api/rooms lists the live ones)");

    private static IResult StreamNotFound(string stream) =>
        Problems.Problem(StatusCodes.Status404NotFound, "No such stream", $"stream '{stream}' does not exist (GET /api/streams lists the live ones)");

    /// <summary>
    /// The assembly's informational version, "1.2.3+commit" when the SDK knows the git commit (SourceLink sets
    /// SourceRevisionId): the part before '+' is the version, the commit is the build, "dev" without one.
    /// </summary>
    private static readonly Lazy<(string Version, string Build)> BuildVersion = new(() =>
    {
        var informational = typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "dev") : (informational[..plus], informational[(plus + 1)..]);
    });

    [LoggerMessage(100, LogLevel.Information, "Session {SessionId} of stream '{StreamId}' kicked by an operator")]
    private static partial void LogKicked(ILogger logger, string sessionId, string streamId);

    [LoggerMessage(101, LogLevel.Information, "Participant '{Participant}' of room '{Room}' kicked by an operator ({Sessions} sessions)")]
    private static partial void LogParticipantKicked(ILogger logger, string participant, string room, int sessions);
}
