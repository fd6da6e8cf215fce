using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Server.Auth;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Whip;

/// <summary>
/// One encoding (simulcast layer) a WHEP session may receive, as the layer API lists it; width and height are those
/// of its last keyframe (VP8 and VP9 carry them; null until one is seen or for other codecs).
/// </summary>
internal sealed record LayerInfo(string EncodingId, long Bitrate, bool Active, bool Selected, int? Width = null, int? Height = null);

/// <summary>live777's session update: mute (<c>enabled: false</c>) or unmute one kind of media for this subscriber.</summary>
internal sealed record SessionUpdate(string? Kind, bool? Enabled);

/// <summary>A layer request: the encoding to pin (<c>null</c> or absent: the automatic choice), and optionally the section.</summary>
internal sealed record LayerRequest(string? EncodingId, string? MediaId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LayerInfo[]))]
[JsonSerializable(typeof(LayerRequest))]
[JsonSerializable(typeof(SessionUpdate))]
internal sealed partial class LayerJson : JsonSerializerContext;

/// <summary>
/// live777's WHEP layer extension (<c>rel="urn:ietf:params:whep:ext:core:layer"</c>) on a subscriber session:
/// <c>GET /session/{stream}/{id}/layer</c> lists the encodings of the video it receives (rid, bitrate now, whether
/// the publisher sends it, whether it is the one this subscriber gets); <c>POST</c> with
/// <c>{"encodingId": "q"}</c> pins one (the switch happens at its next keyframe) and <c>{"encodingId": null}</c> (or
/// <c>DELETE</c>) returns to the automatic choice. <c>mediaId</c> names one video section; without it, all. And
/// live777's session update, <c>POST /session/{stream}/{id}</c> with <c>{"kind": "video"|"audio", "enabled": false}</c>:
/// the subscriber stops receiving that kind until it sends <c>true</c> (video resumes at a keyframe).
/// </summary>
internal static class LayerEndpoints
{
    public const string Relation = "urn:ietf:params:whep:ext:core:layer";

    public static void MapLayers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/session/{stream}/{session}/layer", List).RequireSessionAccess();
        app.MapPost("/session/{stream}/{session}/layer", Select).RequireSessionAccess();
        app.MapPost("/session/{stream}/{session}", Update).RequireSessionAccess();
        app.MapDelete("/session/{stream}/{session}/layer", async (string stream, string session, ISfu sfu) =>
            await Find(stream, session, sfu) is { } subscriber ? Pin(subscriber, null, null) : Problems.SessionNotFound(stream, session)).RequireSessionAccess();
    }

    /// <summary>Whether a new subscriber of <paramref name="room"/> gets the layer link: its video has several encodings.</summary>
    public static bool HasLayers(Room room) => room.FindTrack(MediaKind.Video) is { Encodings.Length: > 1 };

    private static async Task<IResult> List(string stream, string session, ISfu sfu)
    {
        if (await Find(stream, session, sfu) is not { } subscriber)
        {
            return Problems.SessionNotFound(stream, session);
        }

        var layers = new List<LayerInfo>();
        foreach (var subscription in Video(subscriber, null))
        {
            if (subscription.Source is not { } track)
            {
                continue;
            }

            var forwarded = subscription.ForwardedEncoding;
            foreach (var encoding in track.Encodings)
            {
                layers.Add(new LayerInfo(encoding.Name, encoding.Bitrate, encoding.Bitrate > 0, forwarded == encoding,
            encoding.Width > 0 ? encoding.Width : null, encoding.Height > 0 ? encoding.Height : null));
            }

            break;
        }

        return Results.Json(layers.ToArray(), LayerJson.Default.LayerInfoArray);
    }

    private static async Task<IResult> Select(string stream, string session, HttpRequest request, ISfu sfu)
    {
        LayerRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, LayerJson.Default.LayerRequest, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Invalid layer request", $"expected {{\"encodingId\": \"q\"}} or {{\"encodingId\": null}}: {e.Message}");
        }

        return await Find(stream, session, sfu) is { } subscriber
            ? Pin(subscriber, body?.EncodingId, body?.MediaId)
            : Problems.SessionNotFound(stream, session);
    }

    private static async Task<IResult> Update(string stream, string session, HttpRequest request, ISfu sfu)
    {
        SessionUpdate? update;
        try
        {
            update = await JsonSerializer.DeserializeAsync(request.Body, LayerJson.Default.SessionUpdate, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Invalid session update", $"expected {{\"kind\": \"video\", \"enabled\": false}}: {e.Message}");
        }

        var kind = update?.Kind switch { "video" => MediaKind.Video, "audio" => MediaKind.Audio, _ => (MediaKind?)null };
        if (kind is null || update!.Enabled is not { } enabled)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Invalid session update",
                "give \"kind\" (\"video\" or \"audio\") and \"enabled\" (true or false)");
        }

        var found = await sfu.FindSessionAsync(new RoomId(stream), new SessionId(session));
        if (found is null)
        {
            return Problems.SessionNotFound(stream, session);
        }

        if (found is not SubscriberSession subscriber)
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "Not a subscriber", "only a subscriber's media can be muted here; a publisher stops its own tracks");
        }

        foreach (var subscription in subscriber.Subscriptions.Where(s => s.Kind == kind))
        {
            subscription.SetEnabled(enabled);
        }

        return Results.NoContent();
    }

    private static IResult Pin(SubscriberSession subscriber, string? encodingId, string? mediaId)
    {
        var sections = Video(subscriber, mediaId).ToList();
        if (sections.Count == 0)
        {
            return Problems.Problem(StatusCodes.Status404NotFound, "No such video section",
                mediaId is null ? "the session receives no video" : $"the session has no video section with mid '{mediaId}'");
        }

        foreach (var subscription in sections)
        {
            if (!subscription.TryPin(encodingId))
            {
                return Problems.Problem(StatusCodes.Status400BadRequest, "No such encoding",
                    $"the video has no encoding '{encodingId}' (it has: {subscription.Source?.EncodingNames ?? "none yet"})");
            }
        }

        return Results.NoContent();
    }

    private static IEnumerable<Subscription> Video(SubscriberSession subscriber, string? mediaId) =>
        subscriber.Subscriptions.Where(s => s.Kind == MediaKind.Video && (mediaId is null || s.Mid == mediaId));

    private static async Task<SubscriberSession?> Find(string stream, string session, ISfu sfu) =>
        await sfu.FindSessionAsync(new RoomId(stream), new SessionId(session)) as SubscriberSession;
}
