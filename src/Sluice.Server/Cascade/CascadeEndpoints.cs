using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Server.Admin;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server.Cascade;

/// <summary>live777's cascade request: exactly one of a WHEP URL to pull from and a WHIP URL to push to, and the token it takes.</summary>
internal sealed record CascadeRequest(string? SourceUrl, string? TargetUrl, string? Token);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CascadeRequest))]
internal sealed partial class CascadeJson : JsonSerializerContext;

/// <summary>
/// <c>POST /api/cascade/{stream}</c> (live777's API, admin right): pull a stream from another server's WHEP endpoint
/// (this node becomes its publisher) or push it to a WHIP endpoint. The session is listed with the stream's
/// sessions, with a <c>cascade</c> object; DELETE of that session ends the remote one too. An API cascade is not
/// retried; one in the configuration is.
/// </summary>
internal static class CascadeEndpoints
{
    public static void MapCascade(this RouteGroupBuilder api) => api.MapPost("/cascade/{stream}", Create);

    private static async Task<IResult> Create(string stream, HttpRequest request, CascadeClient cascades, AdminMonitor monitor)
    {
        if (!WhipEndpoints.IsValidStreamId(stream))
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Invalid stream name", $"'{stream}' is not a stream name: use 1 to 128 of A-Z a-z 0-9 - _ .");
        }

        CascadeRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, CascadeJson.Default.CascadeRequest, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Invalid($"the body is not the JSON {{\"sourceUrl\": ..., \"token\": ...}} or {{\"targetUrl\": ..., \"token\": ...}}: {e.Message}");
        }

        var pull = !string.IsNullOrWhiteSpace(body?.SourceUrl);
        var push = !string.IsNullOrWhiteSpace(body?.TargetUrl);
        if (pull == push)
        {
            return Invalid(pull
                ? "give sourceUrl (pull from a WHEP endpoint) or targetUrl (push to a WHIP endpoint), not both"
                : "give sourceUrl (pull from a WHEP endpoint) or targetUrl (push to a WHIP endpoint)");
        }

        var (name, text, scheme) = pull ? ("sourceUrl", body!.SourceUrl, "whep") : ("targetUrl", body!.TargetUrl, "whip");
        if (!CascadeEndpoint.TryParse(text, scheme, out var endpoint, out var error))
        {
            return Invalid($"{name}: {error}");
        }

        var token = string.IsNullOrEmpty(body.Token) ? endpoint.Token : body.Token;
        var started = await cascades.StartAsync(new RoomId(stream), pull ? CascadeDirection.Pull : CascadeDirection.Push, endpoint.Url, token,
            cancellationToken: request.HttpContext.RequestAborted);
        return started.Value is { } session
            ? Results.Json(StreamSnapshots.Session(session, monitor), AdminJson.Default.SessionInfo, statusCode: StatusCodes.Status201Created)
            : Problems.From(started.Error!);
    }

    private static IResult Invalid(string message) => Problems.Problem(StatusCodes.Status400BadRequest, "Invalid cascade", message);
}
