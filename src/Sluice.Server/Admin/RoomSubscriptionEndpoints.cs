using System.Text.Json;
using Sluice.Server.Whip;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Admin;

/// <summary>
/// What one subscription of a room participant is after a change: the published track it receives (<c>TR_…</c>),
/// whose it is, its kind, whether it is enabled, and the encoding pinned (null: the automatic choice).
/// </summary>
internal sealed record RoomSubscriptionState(string? Track, string? From, string Kind, bool Enabled, string? Pinned);

/// <summary>
/// The per-subscription controls of WHEP sessions (live777's layer API and session update), for a room participant:
/// <c>POST /api/rooms/{room}/participants/{id}/subscriptions</c> with a JSON object that chooses subscriptions —
/// <c>track</c> (a <c>TR_…</c> id), <c>from</c> (the publishing participant's id), <c>kind</c> (<c>video</c> or
/// <c>audio</c>), each optional, all matching when none is given — and says what to do with them:
/// <c>enabled</c> (false stops that media to this participant, true resumes it, video at a keyframe) and/or
/// <c>encodingId</c> (pin a simulcast layer, <c>null</c>: back to the automatic choice). Answers 200 with the chosen
/// subscriptions as they are now; 400 for a body that asks nothing or names an unknown encoding, 404 when the
/// participant receives nothing here or nothing matches.
/// </summary>
internal static class RoomSubscriptionEndpoints
{
    public static void MapRoomSubscriptions(this RouteGroupBuilder rooms) =>
        rooms.MapPost("/{room}/participants/{participant}/subscriptions", Update);

    private static async Task<IResult> Update(string room, string participant, HttpRequest request, SfuNode node)
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Invalid($"the body is not JSON: {e.Message}");
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return Invalid("the body must be a JSON object");
        }

        if (!TryString(body, "track", out var track) || !TryString(body, "from", out var from) || !TryString(body, "kind", out var kindName))
        {
            return Invalid("\"track\", \"from\" and \"kind\" are strings when given");
        }

        MediaKind? kind = kindName switch { "video" => MediaKind.Video, "audio" => MediaKind.Audio, _ => null };
        if (kindName is not null && kind is null)
        {
            return Invalid($"\"kind\" is \"video\" or \"audio\", not \"{kindName}\"");
        }

        bool? enabled = null;
        if (body.TryGetProperty("enabled", out var enabledValue))
        {
            if (enabledValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Invalid("\"enabled\" is true or false");
            }

            enabled = enabledValue.GetBoolean();
        }

        var pin = body.TryGetProperty("encodingId", out var encodingValue);
        if (pin && encodingValue.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            return Invalid("\"encodingId\" is a layer's rid (\"q\") or null for the automatic choice");
        }

        if (enabled is null && !pin)
        {
            return Invalid("say what to change: \"enabled\" (true or false) and/or \"encodingId\" (a rid, or null for the automatic choice)");
        }

        if (!node.TryGetRoom(RoomId.Conference(room), out var found))
        {
            return Problems.Problem(StatusCodes.Status404NotFound, "No such room", $"room '{room}' does not exist on this node (GET /api/rooms lists the live ones)");
        }

        var chosen = found!.Subscribers.Where(s => s.Participant?.Id == participant)
            .SelectMany(s => s.Subscriptions)
            .Where(s => s.Source is { } source
                && (track is null || source.Id.Value == track)
                && (from is null || source.Publisher.Participant?.Id == from)
                && (kind is null || s.Kind == kind))
            .ToList();
        if (chosen.Count == 0)
        {
            return Problems.Problem(StatusCodes.Status404NotFound, "No such subscription",
                $"'{participant}' receives nothing in room '{room}' on this node that matches (GET /api/rooms/{room} lists who receives what)");
        }

        // Checked for all first, so a request naming an encoding one of them lacks changes nothing.
        var encodingId = pin ? encodingValue.GetString() : null;
        if (encodingId is not null && chosen.FirstOrDefault(s => s.Kind != MediaKind.Video || s.Source!.FindEncoding(encodingId) is null) is { } lacking)
        {
            return Invalid($"the {lacking.Kind.ToString().ToLowerInvariant()} track {lacking.Source!.Id} has no encoding '{encodingId}' (it has: {lacking.Source.EncodingNames})");
        }

        foreach (var subscription in chosen)
        {
            if (enabled is { } on)
            {
                subscription.SetEnabled(on);
            }

            if (pin && subscription.Kind == MediaKind.Video)
            {
                subscription.TryPin(encodingId);
            }
        }

        return Results.Json(chosen.Select(State).ToArray(), AdminJson.Default.RoomSubscriptionStateArray);
    }

    private static RoomSubscriptionState State(Subscription subscription)
    {
        var source = subscription.Source;
        var pinned = subscription.PinnedEncoding is { } index && source is not null && index < source.Encodings.Length ? source.Encodings[index].Name : null;
        return new RoomSubscriptionState(source?.Id.Value, source?.Publisher.Participant?.Id, subscription.Kind.ToString().ToLowerInvariant(), subscription.Enabled, pinned);
    }

    private static bool TryString(JsonElement body, string name, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        value = property.ValueKind == JsonValueKind.String ? property.GetString() : null;
        return value is not null;
    }

    private static IResult Invalid(string detail) => Problems.Problem(StatusCodes.Status400BadRequest, "Invalid subscription change", detail);
}
