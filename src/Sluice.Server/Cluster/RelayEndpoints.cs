using System.Text;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server.Cluster;

/// <summary>
/// What another node of the cluster asks for to relay one publisher of a room (weever-streaming's rooms spread over
/// nodes): <c>POST /api/cluster/relay/{room}/{publisher}</c> with an SDP offer, answered like WHEP with a session
/// that receives only that publisher's tracks; <c>DELETE /api/cluster/relay/{room}/{publisher}/{session}</c> ends it.
/// A stream needs none of this: its relay is a WHEP session.
/// </summary>
internal static class RelayEndpoints
{
    public static void MapRelay(this RouteGroupBuilder api)
    {
        api.MapPost("/cluster/relay/{room}/{publisher}", Create);
        api.MapDelete("/cluster/relay/{room}/{publisher}/{session}", async (string room, string publisher, string session, ISfu sfu) =>
            await sfu.EndSessionAsync(RoomId.Conference(room), new SessionId(session), Sfu.Sessions.SessionEndReason.Deleted)
                ? Results.NoContent()
                : Problems.SessionNotFound(room, session));
    }

    private static async Task<IResult> Create(string room, string publisher, HttpContext context, SfuNode node)
    {
        if (!WhipEndpoints.HasContentType(context.Request, WhipEndpoints.SdpType))
        {
            return Problems.UnsupportedMediaType(WhipEndpoints.SdpType, context.Request.ContentType);
        }

        var (offer, tooLarge) = await WhipEndpoints.ReadBody(context.Request);
        if (tooLarge)
        {
            return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Offer too large", "the SDP offer is too large");
        }

        var result = node.SubscribeToPublisher(RoomId.Conference(room), offer, publisher);
        if (result.Error is { } error)
        {
            return Problems.From(error);
        }

        var answer = result.Value!;
        ClusterSfu.NoteRelay(context, answer.Session);
        context.Response.Headers.Location = $"/api/cluster/relay/{Uri.EscapeDataString(room)}/{Uri.EscapeDataString(publisher)}/{answer.Session.Id}";
        return Results.Text(answer.Sdp, WhipEndpoints.SdpType, Encoding.UTF8, StatusCodes.Status201Created);
    }
}
