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
/// LiveKit's signalling endpoints: <c>/rtc/v1</c> (a WebSocket per client, one peer connection, the client's first
/// offer in the <c>join_request</c> query value), <c>/rtc</c> (two peer connections, the node offering the subscriber
/// one), and their <c>validate</c> routes, which a client asks when its WebSocket could not open. The access token
/// comes as <c>?access_token=</c> or a Bearer header; errors are plain text, as LiveKit's.
/// </summary>
internal static partial class LiveKitEndpoints
{
    /// <summary>The most a <c>join_request</c> may take once decompressed: an offer and a few requests fit many times over.</summary>
    public const int MaxJoinRequestBytes = 256 * 1024;

    public static void MapLiveKit(this IEndpointRouteBuilder app)
    {
        app.Map("/rtc", context => Connect(context, singlePeerConnection: false));
        app.MapGet("/rtc/validate", Validate);
        app.Map("/rtc/v1", context => Connect(context, singlePeerConnection: true));
        app.MapGet("/rtc/v1/validate", Validate);
    }

    private static IResult Validate(HttpContext context) =>
        Authenticate(context, out var error) is not null ? Results.Text("success") : Results.Text(error, statusCode: StatusCodes.Status401Unauthorized);

    private static async Task Connect(HttpContext context, bool singlePeerConnection)
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

        JoinRequest? join = null;
        if (singlePeerConnection && ReadJoinRequest(context.Request.Query["join_request"], out join) is { } malformed)
        {
            LogRefused(logger, context.Request.Path, malformed);
            await Results.Text(malformed, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        if (context.Request.Query["reconnect"] == "1" || join?.Reconnect == true)
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

        // /rtc says it in the query; /rtc/v1 in the join request's connection settings.
        var autoSubscribe = join is not null ? join.ConnectionSettings?.AutoSubscribe ?? true : context.Request.Query["auto_subscribe"] != "0";
        var connection = new LiveKitConnection(socket, claims, autoSubscribe, services.GetRequiredService<LiveKitRooms>(),
            services.GetRequiredService<SfuNode>(), services.GetRequiredService<ISfu>(),
            services.GetRequiredService<IOptions<ServerOptions>>().Value.IceServers, TimeProvider.System, logger, join);
        await connection.RunAsync(context.RequestAborted);
    }

    /// <summary>
    /// The <c>join_request</c> of a <c>/rtc/v1</c> connection: base64url (padded or not) of a <c>WrappedJoinRequest</c>,
    /// whose <c>JoinRequest</c> may be gzip-compressed. Null when it reads, else why not.
    /// </summary>
    internal static string? ReadJoinRequest(string? value, out JoinRequest? join)
    {
        join = null;
        if (string.IsNullOrEmpty(value))
        {
            return "no join_request in the query: /rtc/v1 needs one (LiveKit's clients send it); older clients connect to /rtc";
        }

        try
        {
            var base64 = value.Replace('-', '+').Replace('_', '/');
            var wrapped = WrappedJoinRequest.Parser.ParseFrom(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            var bytes = wrapped.JoinRequest.ToByteArray();
            if (wrapped.Compression == WrappedJoinRequest.Types.Compression.Gzip)
            {
                using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
                using var plain = new MemoryStream();
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = gzip.Read(buffer)) > 0)
                {
                    if (plain.Length + read > MaxJoinRequestBytes)
                    {
                        return $"the join_request is over {MaxJoinRequestBytes} bytes once decompressed";
                    }

                    plain.Write(buffer, 0, read);
                }

                bytes = plain.ToArray();
            }

            join = JoinRequest.Parser.ParseFrom(bytes);
            return null;
        }
        catch (Exception e) when (e is FormatException or InvalidProtocolBufferException or InvalidDataException)
        {
            return "the join_request is not base64url of a WrappedJoinRequest (gzip or plain): " + e.Message;
        }
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
