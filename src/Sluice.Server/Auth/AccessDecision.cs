using Sluice.Server.Whip;

namespace Sluice.Server.Auth;

public enum AccessOutcome
{
    Allowed,

    /// <summary>No usable token: 401 (missing, malformed, expired, badly signed, unknown).</summary>
    Unauthenticated,

    /// <summary>A valid token without the right: 403.</summary>
    Forbidden,
}

/// <summary>The answer to "may this request go on?", as a value; <see cref="ToResult"/> turns a refusal into HTTP.</summary>
public sealed record AccessDecision(AccessOutcome Outcome, Caller? Caller, string? Reason)
{
    public bool IsAllowed => Outcome == AccessOutcome.Allowed;

    public static AccessDecision Allow(Caller caller) => new(AccessOutcome.Allowed, caller, null);

    public static AccessDecision Unauthenticated(string reason) => new(AccessOutcome.Unauthenticated, null, reason);

    public static AccessDecision Forbid(Caller caller, string reason) => new(AccessOutcome.Forbidden, caller, reason);

    /// <summary>
    /// A refusal as problem+json with its <c>WWW-Authenticate</c> challenge (RFC 6750 §3): no error code when
    /// the token is missing (§3.1 says not to), <c>invalid_token</c> for a bad one, <c>insufficient_scope</c> for 403.
    /// </summary>
    public IResult ToResult(HttpContext context)
    {
        if (IsAllowed)
        {
            throw new InvalidOperationException("An allowed request has no refusal to send.");
        }

        var challenge = Outcome == AccessOutcome.Forbidden
            ? "Bearer realm=\"sluice\", error=\"insufficient_scope\""
            : Reason == Authorizer.MissingToken
                ? "Bearer realm=\"sluice\""
                : $"Bearer realm=\"sluice\", error=\"invalid_token\", error_description=\"{Reason!.Replace('"', '\'')}\"";
        context.Response.Headers.WWWAuthenticate = challenge;
        return Outcome == AccessOutcome.Forbidden
            ? Problems.Problem(StatusCodes.Status403Forbidden, "Forbidden", Reason!)
            : Problems.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", Reason!);
    }
}
