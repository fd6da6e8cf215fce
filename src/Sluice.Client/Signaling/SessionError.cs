using System.Net;
using System.Text.Json;

namespace Sluice.Client.Signaling;

/// <summary>
/// A failed WHIP/WHEP request: the HTTP status and the <c>application/problem+json</c> body (RFC 9457) when the
/// server sent one, or status 0 when no response arrived at all.
/// </summary>
internal sealed record SessionError(int Status, string? Reason, string? Title, string? Detail, string Body)
{
    /// <summary>One line a user can act on, e.g. <c>403 Forbidden: invalid token (the bearer token has expired)</c>.</summary>
    public string Describe()
    {
        var head = Status == 0 ? "no response" : $"{Status} {Reason}".TrimEnd();
        if (Title is not null)
        {
            return Detail is null ? $"{head}: {Title}" : $"{head}: {Title} ({Detail})";
        }

        var body = Body.Trim();
        if (body.Length > 300)
        {
            body = body[..300] + "...";
        }

        return body.Length == 0 ? head : $"{head}: {body}";
    }

    public static SessionError FromResponse(HttpStatusCode status, string? reason, string? mediaType, string body)
    {
        string? title = null;
        string? detail = null;
        if (body.Length > 0 && (mediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    title = ReadString(document.RootElement, "title");
                    detail = ReadString(document.RootElement, "detail");
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: the raw body is shown instead.
            }
        }

        return new SessionError((int)status, reason, title, detail, body);
    }

    public static SessionError NoResponse(string message) => new(0, null, message, null, string.Empty);

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
