using Google.Protobuf;
using Microsoft.Extensions.Options;
using Sluice.LiveKit;
using Sluice.LiveKit.Protocol;
using Sluice.Server.Auth;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.LiveKit;

/// <summary>
/// LiveKit's room service as Twirp (<c>POST /twirp/livekit.RoomService/{Method}</c>), so LiveKit's server SDKs and CLI
/// work unchanged: requests in protobuf's JSON (<c>application/json</c>, camelCase or proto names) or binary
/// (<c>application/protobuf</c>), answered in kind (JSON with proto field names and defaults, as LiveKit's server
/// does); a Bearer access token with the grant each call needs (<c>roomCreate</c>, <c>roomList</c>, or <c>roomAdmin</c>
/// on the request's room); errors as Twirp's <c>{"code", "msg"}</c>.
/// </summary>
internal static partial class RoomServiceEndpoints
{
    private const string Prefix = "/twirp/livekit.RoomService/";
    private const int MaxRequestBytes = 1024 * 1024;
    private const string JsonType = "application/json";
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));

    public static void MapRoomService(this IEndpointRouteBuilder app) => app.MapPost(Prefix + "{method}", HandleAsync);

    private static async Task<IResult> HandleAsync(string method, HttpContext context)
    {
        var services = context.RequestServices;
        var rooms = services.GetRequiredService<LiveKitRooms>();
        var binary = context.Request.ContentType?.StartsWith("application/protobuf", StringComparison.OrdinalIgnoreCase) == true;
        if (!binary && context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Error("bad_route", $"unexpected Content-Type: '{context.Request.ContentType}'; send application/json or application/protobuf", StatusCodes.Status404NotFound);
        }

        var options = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (!options.LiveKitEnabled)
        {
            return Error("unauthenticated", "the room service needs LiveKit API keys: start the node with --dev or set Auth:ApiKeys:<key> <secret>", StatusCodes.Status401Unauthorized);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Error("unauthenticated", "no authorization: send Authorization: Bearer <access token>", StatusCodes.Status401Unauthorized);
        }

        if (AccessToken.Validate(header["Bearer ".Length..].Trim(), options.ApiSecret, DateTimeOffset.UtcNow, out var invalid) is not { } claims)
        {
            return Error("unauthenticated", invalid!, StatusCodes.Status401Unauthorized);
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > MaxRequestBytes)
        {
            return Error("invalid_argument", $"the request is over {MaxRequestBytes} bytes", StatusCodes.Status400BadRequest);
        }

        try
        {
            T Read<T>(MessageParser<T> parser)
                where T : IMessage<T>, new() =>
                binary ? parser.ParseFrom(body.ToArray()) : body.Length == 0 ? new T() : Parser.Parse<T>(System.Text.Encoding.UTF8.GetString(body.ToArray()));
            IResult Reply(IMessage message) => binary
                ? Results.Bytes(message.ToByteArray(), "application/protobuf")
                : Results.Bytes(System.Text.Encoding.UTF8.GetBytes(Formatter.Format(message)), JsonType);

            switch (method)
            {
                case "CreateRoom":
                {
                    var request = Read(CreateRoomRequest.Parser);
                    return Denied(claims, create: true) ?? (string.IsNullOrEmpty(request.Name)
                        ? Error("invalid_argument", "a room needs a name", StatusCodes.Status400BadRequest)
                        : Reply(rooms.CreateRoom(request.Name, request.EmptyTimeout, request.MaxParticipants, request.Metadata)));
                }

                case "ListRooms":
                {
                    var request = Read(ListRoomsRequest.Parser);
                    if (Denied(claims, list: true) is { } denied)
                    {
                        return denied;
                    }

                    var response = new ListRoomsResponse();
                    response.Rooms.Add(rooms.ListRooms([.. request.Names]));
                    return Reply(response);
                }

                case "DeleteRoom":
                {
                    var request = Read(DeleteRoomRequest.Parser);
                    return Denied(claims, create: true) ?? (rooms.DeleteRoom(request.Room)
                        ? Reply(new DeleteRoomResponse())
                        : Error("not_found", $"requested room does not exist: '{request.Room}'", StatusCodes.Status404NotFound));
                }

                case "ListParticipants":
                {
                    var request = Read(ListParticipantsRequest.Parser);
                    if ((Denied(claims, room: request.Room) ?? Missing(rooms, request.Room)) is { } refused)
                    {
                        return refused;
                    }

                    var response = new ListParticipantsResponse();
                    response.Participants.Add(rooms.Participants(request.Room));
                    return Reply(response);
                }

                case "GetParticipant":
                {
                    var request = Read(RoomParticipantIdentity.Parser);
                    return Denied(claims, room: request.Room) ?? Missing(rooms, request.Room)
                        ?? (rooms.Participants(request.Room).Find(p => p.Identity == request.Identity) is { } info
                            ? Reply(info)
                            : ParticipantNotFound(request.Room, request.Identity));
                }

                case "RemoveParticipant":
                {
                    var request = Read(RoomParticipantIdentity.Parser);
                    if ((Denied(claims, room: request.Room) ?? Missing(rooms, request.Room)) is { } refused)
                    {
                        return refused;
                    }

                    return await RemoveAsync(services, rooms, request.Room, request.Identity)
                        ? Reply(new RemoveParticipantResponse())
                        : ParticipantNotFound(request.Room, request.Identity);
                }

                case "MutePublishedTrack":
                {
                    var request = Read(MuteRoomTrackRequest.Parser);
                    if (LiveKitParticipant(claims, rooms, request.Room, request.Identity, out var connection) is { } refused)
                    {
                        return refused;
                    }

                    return connection.MuteTrack(request.TrackSid, request.Muted) is { } track
                        ? Reply(new MuteRoomTrackResponse { Track = track })
                        : Error("not_found", $"participant '{request.Identity}' publishes no track '{request.TrackSid}'", StatusCodes.Status404NotFound);
                }

                case "UpdateParticipant":
                {
                    var request = Read(UpdateParticipantRequest.Parser);
                    if (LiveKitParticipant(claims, rooms, request.Room, request.Identity, out var connection) is { } refused)
                    {
                        return refused;
                    }

                    connection.Update(request.Name.Length > 0 ? request.Name : null, request.Metadata.Length > 0 ? request.Metadata : null, request.Attributes);
                    return Reply(rooms.Participants(request.Room).Find(p => p.Sid == connection.Sid)!);
                }

                case "UpdateSubscriptions":
                {
                    var request = Read(UpdateSubscriptionsRequest.Parser);
                    if (LiveKitParticipant(claims, rooms, request.Room, request.Identity, out var connection) is { } refused)
                    {
                        return refused;
                    }

                    var update = new UpdateSubscription { Subscribe = request.Subscribe };
                    update.TrackSids.Add(request.TrackSids);
                    update.ParticipantTracks.Add(request.ParticipantTracks);
                    connection.UpdateSubscription(update);
                    return Reply(new UpdateSubscriptionsResponse());
                }

                case "SendData":
                {
                    var request = Read(SendDataRequest.Parser);
                    if ((Denied(claims, room: request.Room) ?? Missing(rooms, request.Room)) is { } refused)
                    {
                        return refused;
                    }

                    var packet = new DataPacket { Kind = request.Kind, User = new UserPacket { Payload = request.Data } };
                    if (request.HasTopic)
                    {
                        packet.User.Topic = request.Topic;
                    }

                    packet.DestinationIdentities.Add(request.DestinationIdentities);
                    rooms.SendData(request.Room, packet, [.. request.DestinationIdentities], [.. request.DestinationSids]);
                    return Reply(new SendDataResponse());
                }

                case "UpdateRoomMetadata":
                {
                    var request = Read(UpdateRoomMetadataRequest.Parser);
                    return Denied(claims, room: request.Room)
                        ?? (rooms.UpdateMetadata(request.Room, request.Metadata) is { } room ? Reply(room) : RoomNotFound(request.Room));
                }

                default:
                    return Error("bad_route", $"no such method: livekit.RoomService/{method}", StatusCodes.Status404NotFound);
            }
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            return Error("malformed", $"the {method} request could not be read: {e.Message}", StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>Ends a participant's connection: a LiveKit client is told (PARTICIPANT_REMOVED), anyone else's sessions end.</summary>
    private static async Task<bool> RemoveAsync(IServiceProvider services, LiveKitRooms rooms, string room, string identity)
    {
        if (rooms.Connections(room).Find(c => c.Identity == identity) is { } connection)
        {
            return connection.Remove(DisconnectReason.ParticipantRemoved);
        }

        var node = services.GetRequiredService<SfuNode>();
        if (!node.TryGetRoom(RoomId.Conference(room), out var sluiceRoom) || sluiceRoom is null)
        {
            return false;
        }

        var sessions = sluiceRoom.Publishers.Cast<SfuSession>().Concat(sluiceRoom.Subscribers)
            .Where(s => s.Participant is { } who && (who.FullId == identity || who.Id == identity)).ToList();
        foreach (var session in sessions)
        {
            await services.GetRequiredService<ISfu>().EndSessionAsync(session.Room.Id, session.Id, SessionEndReason.Kicked);
        }

        return sessions.Count > 0;
    }

    /// <summary>LiveKit's grant checks: creating and deleting rooms needs roomCreate, listing roomList, the rest roomAdmin on that room.</summary>
    private static IResult? Denied(AccessClaims claims, bool create = false, bool list = false, string? room = null)
    {
        var grant = claims.Video;
        if (create && !grant.RoomCreate)
        {
            return Error("permission_denied", "permissions denied: the token needs the roomCreate grant", StatusCodes.Status403Forbidden);
        }

        if (list && !grant.RoomList)
        {
            return Error("permission_denied", "permissions denied: the token needs the roomList grant", StatusCodes.Status403Forbidden);
        }

        if (room is not null && (!grant.RoomAdmin || (!string.IsNullOrEmpty(grant.Room) && grant.Room != room)))
        {
            return Error("permission_denied", $"permissions denied: the token needs the roomAdmin grant for room '{room}'", StatusCodes.Status403Forbidden);
        }

        return null;
    }

    /// <summary>The LiveKit participant a roomAdmin call is about, or why not (no grant, no room, no such participant).</summary>
    private static IResult? LiveKitParticipant(AccessClaims claims, LiveKitRooms rooms, string room, string identity, out LiveKitConnection connection)
    {
        connection = null!;
        if ((Denied(claims, room: room) ?? Missing(rooms, room)) is { } refused)
        {
            return refused;
        }

        if (rooms.Connections(room).Find(c => c.Identity == identity) is not { } found)
        {
            return ParticipantNotFound(room, identity);
        }

        connection = found;
        return null;
    }

    private static IResult? Missing(LiveKitRooms rooms, string room) => rooms.Find(room) is null ? RoomNotFound(room) : null;

    private static IResult RoomNotFound(string room) => Error("not_found", $"requested room does not exist: '{room}'", StatusCodes.Status404NotFound);

    private static IResult ParticipantNotFound(string room, string identity) =>
        Error("not_found", $"participant '{identity}' is not in room '{room}'", StatusCodes.Status404NotFound);

    /// <summary>A Twirp error (its code, the status Twirp gives that code, and a message a user can act on).</summary>
    private static IResult Error(string code, string message, int status) =>
        new TwirpError(code, message, status);

    /// <summary>Twirp's error body, typed exactly <c>application/json</c> (LiveKit's server SDK reads the code only then).</summary>
    private sealed class TwirpError(string code, string message, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = JsonType;
            return context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new { code, msg = message }));
        }
    }
}
