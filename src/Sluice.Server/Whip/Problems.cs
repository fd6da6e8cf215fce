using Sluice.Sfu;

namespace Sluice.Server.Whip;

/// <summary>Every control-plane failure as application/problem+json (RFC 9457), its status decided here only.</summary>
internal static class Problems
{
    public static IResult From(SfuError error) => error.Kind switch
    {
        SfuErrorKind.InvalidSdp => Problem(StatusCodes.Status400BadRequest, "Malformed SDP", error.Message),
        SfuErrorKind.UnusableOffer => Problem(StatusCodes.Status400BadRequest, "Unusable offer", error.Message),
        SfuErrorKind.PublisherExists => Problem(StatusCodes.Status409Conflict, "Stream already published", error.Message),
        SfuErrorKind.StreamNotFound => Problem(StatusCodes.Status404NotFound, "No such stream", error.Message),
        SfuErrorKind.SessionNotFound => Problem(StatusCodes.Status404NotFound, "No such session", error.Message),
        SfuErrorKind.PreconditionFailed => Problem(StatusCodes.Status412PreconditionFailed, "Stale session", error.Message),
        SfuErrorKind.InvalidAnswer => Problem(StatusCodes.Status400BadRequest, "Unusable answer", error.Message),
        SfuErrorKind.Conflict => Problem(StatusCodes.Status409Conflict, "Renegotiation in progress", error.Message),
        SfuErrorKind.CascadeFailed => Problem(StatusCodes.Status502BadGateway, "Cascade failed", error.Message),
        SfuErrorKind.CascadeTimedOut => Problem(StatusCodes.Status504GatewayTimeout, "Cascade timed out", error.Message),
        _ => Problem(StatusCodes.Status503ServiceUnavailable, "Unavailable", error.Message),
    };

    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);

    public static IResult UnsupportedMediaType(string expected, string? actual) =>
        Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            $"expected Content-Type: {expected}, got {(string.IsNullOrEmpty(actual) ? "none" : actual)}");

    public static IResult SessionNotFound(string stream, string session) =>
        Problem(StatusCodes.Status404NotFound, "No such session", $"session '{session}' of stream '{stream}' does not exist (it ended, or never did)");
}
