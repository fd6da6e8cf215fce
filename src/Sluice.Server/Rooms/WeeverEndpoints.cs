using System.Text;
using Microsoft.Extensions.Options;
using Sluice.Server.Auth;
using Sluice.Server.Health;
using Sluice.Server.Whip;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Rooms;

/// <summary>
/// weever-streaming's HTTP surface, so its clients work unchanged: join a room with one POST per session
/// (<c>/pub/{room}/{id}</c>, <c>/sub/{room}/{id}</c>; the offer as the body, whatever its Content-Type, the complete
/// answer back), join tokens (<c>/create/pub</c>, <c>/create/sub</c>), who is in a room (<c>/list/pub/{room}</c>,
/// <c>/list/sub/{room}</c>) and Kubernetes probes (<c>/liveness</c>, <c>/readiness</c>, <c>/preStop</c>). Errors are
/// <c>text/plain</c> with weever's exact words, which its clients compare.
/// </summary>
internal static class WeeverEndpoints
{
    private const string SdpType = "application/sdp";

    /// <summary>weever's clients post offers with every candidate gathered: larger than a WHIP offer.</summary>
    private const int MaxOfferBytes = 256 * 1024;

    public static void MapWeever(this IEndpointRouteBuilder app)
    {
        app.MapPost("/pub/{room}/{id}", (string room, string id, HttpContext context) => Join(room, id, SessionRole.Publisher, context));
        app.MapPost("/sub/{room}/{id}", (string room, string id, HttpContext context) => Join(room, id, SessionRole.Subscriber, context));
        app.MapPost("/create/pub", (TokenRequest request, RoomTokens tokens) => Create(request, SessionRole.Publisher, tokens))
            .RequireRoomAccess(AccessRight.Admin);
        app.MapPost("/create/sub", (TokenRequest request, RoomTokens tokens) => Create(request, SessionRole.Subscriber, tokens))
            .RequireRoomAccess(AccessRight.Admin);
        app.MapGet("/list/pub/{room}", (string room, SfuNode node) => List(room, node, SessionRole.Publisher))
            .RequireRoomAccess(AccessRight.Admin);
        app.MapGet("/list/sub/{room}", (string room, SfuNode node) => List(room, node, SessionRole.Subscriber))
            .RequireRoomAccess(AccessRight.Admin);
        app.MapGet("/liveness", () => Text("OK"));
        app.MapGet("/readiness", (DrainCoordinator drain) => drain.IsDraining ? Text("BUSY", StatusCodes.Status503ServiceUnavailable) : Text("OK"));
        app.MapGet("/preStop", PreStop);
    }

    private static async Task<IResult> Join(string room, string fullId, SessionRole role, HttpContext context)
    {
        var services = context.RequestServices;
        if (services.GetRequiredService<DrainCoordinator>().RefuseIfDraining(context) is { } draining)
        {
            return draining;
        }

        if ((WeeverIds.Problem(fullId, "id") ?? WeeverIds.Problem(room, "room")) is { } invalid)
        {
            return Text(invalid, StatusCodes.Status400BadRequest);
        }

        var participant = new Participant(WeeverIds.ParticipantOf(fullId), fullId);
        if (await Refusal(context, room, participant, role) is { } refused)
        {
            return refused;
        }

        var (offer, tooLarge) = await WhipEndpoints.ReadBody(context.Request, MaxOfferBytes);
        if (tooLarge)
        {
            return Text($"offer too large: at most {MaxOfferBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        var owner = context.GetCaller()?.Owner;
        var result = await services.GetRequiredService<ISfu>().JoinAsync(RoomId.Conference(room), role, participant, offer, owner, context.RequestAborted);
        if (result.Error is { } error)
        {
            return error.Kind == SfuErrorKind.Duplicate ? Text(error.Message, StatusCodes.Status400BadRequest) : Problems.From(error);
        }

        return Results.Text(result.Value!.Sdp, SdpType, Encoding.UTF8, StatusCodes.Status201Created);
    }

    /// <summary>
    /// Two ways in: Sluice's tokens (when <c>Auth</c> is configured: a JWT with the right in the room, as this
    /// participant if it names one), and weever's stored tokens (when <c>Rooms:Auth</c> is on), either of which
    /// admits. With neither configured, anyone joins.
    /// </summary>
    private static async Task<IResult?> Refusal(HttpContext context, string room, Participant participant, SessionRole role)
    {
        var services = context.RequestServices;
        var roomAuth = services.GetRequiredService<IOptions<ServerOptions>>().Value.Rooms.Auth;
        var checker = services.GetRequiredService<IAccessChecker>();
        if (checker.Enabled)
        {
            var right = role == SessionRole.Publisher ? AccessRight.Publish : AccessRight.Subscribe;
            var decision = await checker.CheckRoomAsync(context, right, room, participant.Id);
            if (decision.IsAllowed)
            {
                return null;
            }

            if (!roomAuth)
            {
                return decision.ToResult(context);
            }
        }

        if (!roomAuth)
        {
            return null;
        }

        // weever's tokens: the one stored for the room, the person (a screen share uses its owner's) and the role.
        var stored = services.GetRequiredService<RoomTokens>().Get(room, participant.Id, role);
        if (stored is null)
        {
            return Text("bad token N/A", StatusCodes.Status400BadRequest);
        }

        return stored.Length > 0 && Authorizer.BearerToken(context.Request) != stored ? Text("bad token", StatusCodes.Status401Unauthorized) : null;
    }

    private static IResult Create(TokenRequest request, SessionRole role, RoomTokens tokens)
    {
        if ((WeeverIds.Problem(request.Id ?? string.Empty, "id") ?? WeeverIds.Problem(request.Room ?? string.Empty, "room")) is { } invalid)
        {
            return Text(invalid, StatusCodes.Status400BadRequest);
        }

        // Stored under the person: a full id given here is cut down the way a join's is.
        tokens.Set(request.Room!, WeeverIds.ParticipantOf(request.Id!), role, request.Token ?? string.Empty);
        return Text(role == SessionRole.Publisher ? "pub set" : "sub set");
    }

    private static IResult List(string room, SfuNode node, SessionRole role)
    {
        if (!node.TryGetRoom(RoomId.Conference(room), out var found) || found is null)
        {
            return Text(string.Empty);
        }

        IEnumerable<SfuSession> sessions = role == SessionRole.Publisher ? found.Publishers : found.Subscribers;
        return Text(string.Join(',', sessions.Select(s => s.Participant?.FullId).OfType<string>()));
    }

    /// <summary>Kubernetes' preStop hook: starts the drain and answers once no conference session is left on the node.</summary>
    private static async Task<IResult> PreStop(DrainCoordinator drain, SfuNode node, CancellationToken cancellationToken)
    {
        drain.Start("GET /preStop");
        while (node.Rooms.Any(r => r.Kind == RoomKind.Conference && !r.IsEmpty))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        return Text("OK");
    }

    private static IResult Text(string body, int status = StatusCodes.Status200OK) =>
        Results.Text(body, "text/plain", Encoding.UTF8, status);

    /// <summary>The body of <c>/create/pub</c> and <c>/create/sub</c>.</summary>
    internal sealed record TokenRequest(string? Room, string? Id, string? Token);
}
