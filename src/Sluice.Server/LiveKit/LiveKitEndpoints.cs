using System.Net.WebSockets;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Sluice.LiveKit;
using Sluice.LiveKit.Protocol;
using Sluice.Server.Auth;
using Sluice.Server.Health;
using Sluice.Sfu;

namespace Sluice.Server.LiveKit;

/// <summary>
/// LiveKit's signalling endpoints: <c>/rtc</c> (a WebSocket per client, two peer connections) and its
/// <c>/rtc/validate</c>, which a client asks when its WebSocket could not open. <c>/rtc/v1</c> (one peer connection)
/// answers 404 for now, on which LiveKit's JS client falls back to <c>/rtc</c>. The access token comes as
/// <c>?access_token=</c> or a Bearer header; errors are plain text, as LiveKit's.
/// </summary>
internal static partial class LiveKitEndpoints
{
    public const string SinglePeerConnectionNotServed = "single peer connection signalling (/rtc/v1) is not served by this node; use /rtc";

    public static void MapLiveKit(this IEndpointRouteBuilder app)
    {
        app.Map("/rtc", Connect);
        app.MapGet("/rtc/validate", Validate);
        app.Map("/rtc/v1", () => Results.Text(SinglePeerConnectionNotServed, statusCode: StatusCodes.Status404NotFound));
        app.MapGet("/rtc/v1/validate", () => Results.Text(SinglePeerConnectionNotServed, statusCode: StatusCodes.Status404NotFound));
    }

    private static IResult Validate(HttpContext context) =>
        Authenticate(context, out var error) is not null ? Results.Text("success") : Results.Text(error, statusCode: StatusCodes.Status401Unauthorized);

    private static async Task Connect(HttpContext context)
    {
        var services = context.RequestServices;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Text("a WebSocket upgrade is expected here (LiveKit signalling)", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        if (services.GetRequiredService<DrainCoordinator>().IsDraining)
        {
            await Results.Text("this node is draining; join through another", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return;
        }

        var logger = services.GetRequiredService<ILogger<LiveKitConnection>>();
        if (Authenticate(context, out var error) is not { } claims)
        {
            LogRefused(logger, context.Request.Path, error!);
            await Results.Text(error, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        if (context.Request.Query["reconnect"] == "1")
        {
            // A client resuming after its signalling dropped: its sessions ended with the socket, so it is told to
            // join again from scratch (LiveKit's leave with the RECONNECT action: the SDK then rejoins at once).
            await socket.SendAsync(new SignalResponse
            {
                Leave = new LeaveRequest { Action = LeaveRequest.Types.Action.Reconnect, Reason = DisconnectReason.StateMismatch },
            }.ToByteArray(), WebSocketMessageType.Binary, true, context.RequestAborted);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "join again", context.RequestAborted);
            return;
        }

        var autoSubscribe = context.Request.Query["auto_subscribe"] != "0";
        var connection = new LiveKitConnection(socket, claims, autoSubscribe, services.GetRequiredService<LiveKitRooms>(),
            services.GetRequiredService<SfuNode>(), services.GetRequiredService<ISfu>(),
            services.GetRequiredService<IOptions<ServerOptions>>().Value.IceServers, TimeProvider.System, logger);
        await connection.RunAsync(context.RequestAborted);
    }

    /// <summary>The token's claims when it admits its holder to a room, else null and why (words a user can act on).</summary>
    private static AccessClaims? Authenticate(HttpContext context, out string? error)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (!options.LiveKitEnabled)
        {
            error = "LiveKit clients are not enabled on this node: start it with --dev (LiveKit's devkey / secret) or set Auth:ApiKeys:<key> <secret>";
            return null;
        }

        string? token = context.Request.Query["access_token"];
        if (string.IsNullOrEmpty(token) && context.Request.Headers.Authorization.ToString() is { } header
            && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(token))
        {
            error = "no access token: pass it as ?access_token= or an Authorization: Bearer header";
            return null;
        }

        var claims = AccessToken.Validate(token, options.ApiSecret, DateTimeOffset.UtcNow, out error);
        if (claims is null)
        {
            return null;
        }

        if (!claims.Video.RoomJoin || string.IsNullOrEmpty(claims.Video.Room))
        {
            error = "permissions denied: the token's video grant needs roomJoin and a room";
            return null;
        }

        if (string.IsNullOrEmpty(claims.Identity))
        {
            error = "invalid token: it names no identity (sub)";
            return null;
        }

        return claims;
    }

    [LoggerMessage(10, LogLevel.Information, "LiveKit connection to {Path} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string path, string reason);
}
