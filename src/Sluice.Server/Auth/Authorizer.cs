using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sluice.Server.Auth;

/// <summary>Decides whether a request may go on; endpoints reach it through <see cref="AccessEndpointFilters"/>.</summary>
public interface IAccessChecker
{
    /// <summary>False when no token or secret is configured: every request is allowed.</summary>
    bool Enabled { get; }

    /// <summary>Checks the request's bearer token (once per request) and says who sent it.</summary>
    ValueTask<AccessDecision> AuthenticateAsync(HttpContext context);

    /// <summary>Whether the request's token holds <paramref name="right"/> on <paramref name="stream"/> (null: node-wide, needs id "*").</summary>
    ValueTask<AccessDecision> CheckAsync(HttpContext context, AccessRight right, string? stream);

    /// <summary>
    /// Whether the request may change or end a session of <paramref name="stream"/> owned by
    /// <paramref name="sessionOwner"/>: its own (same token), or any with admin right on the stream.
    /// </summary>
    ValueTask<AccessDecision> CheckSessionAsync(HttpContext context, string stream, string sessionId, string? sessionOwner);

    /// <summary>
    /// Whether the request's token holds <paramref name="right"/> in <paramref name="room"/> (null: every room) as
    /// <paramref name="participant"/> (null: whoever).
    /// </summary>
    ValueTask<AccessDecision> CheckRoomAsync(HttpContext context, AccessRight right, string? room, string? participant);
}

/// <summary>
/// Bearer tokens (RFC 6750) as live777 takes them: static tokens with full access, and HS256 JWTs whose
/// claims <c>{"id": stream or "*", "exp": unix seconds, "mode": bits}</c> say what they allow; for rooms,
/// <c>{"room": room or "*", "participant": id (optional), "exp", "mode"}</c>.
/// Tokens are never logged; failures are logged with their reason and the request path only.
/// </summary>
internal sealed partial class Authorizer : IAccessChecker
{
    public const string MissingToken = "missing bearer token";
    public const string TokenExpired = "token expired";
    public const string SignatureInvalid = "signature invalid";
    public const string MalformedToken = "malformed token";
    public const string UnknownToken = "unknown token";

    /// <summary>Small, as live777's validator allows: clocks of issuer and node may disagree a little.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    internal static readonly object CacheKey = new();

    private readonly byte[][] _staticTokenHashes;
    private readonly TokenValidationParameters? _jwt;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ILogger<Authorizer> _logger;

    public Authorizer(IOptions<AuthOptions> options, ILogger<Authorizer> logger)
    {
        var value = options.Value;
        _logger = logger;
        _staticTokenHashes = [.. value.Tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];
        Enabled = value.Enabled;
        if (!string.IsNullOrEmpty(value.Secret))
        {
            _jwt = new TokenValidationParameters
            {
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(value.Secret)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                ClockSkew = ClockSkew,

                // live777 tokens carry neither issuer nor audience.
                ValidateIssuer = false,
                ValidateAudience = false,
            };
        }
    }

    public bool Enabled { get; }

    public bool StaticTokens => _staticTokenHashes.Length > 0;

    public bool Jwt => _jwt is not null;

    public async ValueTask<AccessDecision> AuthenticateAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(CacheKey, out var cached) && cached is AccessDecision known)
        {
            return known;
        }

        var decision = Enabled ? await Authenticate(context.Request).ConfigureAwait(false) : AccessDecision.Allow(Caller.Anonymous);
        context.Items[CacheKey] = decision;
        if (!decision.IsAllowed)
        {
            LogUnauthenticated(_logger, context.Request.Method, context.Request.Path, decision.Reason!);
        }

        return decision;
    }

    public async ValueTask<AccessDecision> CheckAsync(HttpContext context, AccessRight right, string? stream)
    {
        var authentication = await AuthenticateAsync(context).ConfigureAwait(false);
        if (!authentication.IsAllowed)
        {
            return authentication;
        }

        var caller = authentication.Caller!;
        if (caller.Allows(right, stream))
        {
            return authentication;
        }

        return Forbid(context, caller, $"this token may not {Describe(right, stream)}: it grants {Describe(caller)}");
    }

    public async ValueTask<AccessDecision> CheckSessionAsync(HttpContext context, string stream, string sessionId, string? sessionOwner)
    {
        var authentication = await AuthenticateAsync(context).ConfigureAwait(false);
        if (!authentication.IsAllowed)
        {
            return authentication;
        }

        var caller = authentication.Caller!;
        if (!Enabled || (caller.Owner is not null && caller.Owner == sessionOwner) || caller.Allows(AccessRight.Admin, stream))
        {
            return authentication;
        }

        return Forbid(context, caller,
            $"this token did not create session '{sessionId}' and may not administer stream '{stream}': it grants {Describe(caller)}");
    }

    public async ValueTask<AccessDecision> CheckRoomAsync(HttpContext context, AccessRight right, string? room, string? participant)
    {
        var authentication = await AuthenticateAsync(context).ConfigureAwait(false);
        if (!authentication.IsAllowed)
        {
            return authentication;
        }

        var caller = authentication.Caller!;
        if (caller.AllowsRoom(right, room, participant))
        {
            return authentication;
        }

        var target = room is null ? "every room (that needs a token for room \"*\")" : $"room '{room}'" + (participant is null ? string.Empty : $" as '{participant}'");
        return Forbid(context, caller, $"this token may not {Verb(right)} {target}: it grants {Describe(caller)}");
    }

    private AccessDecision Forbid(HttpContext context, Caller caller, string reason)
    {
        LogForbidden(_logger, context.Request.Method, context.Request.Path, reason);
        return AccessDecision.Forbid(caller, reason);
    }

    /// <summary>
    /// The request's bearer token (RFC 6750 §2.1: "Bearer" 1*SP b64token, the scheme case-insensitive, RFC 9110
    /// §11.1), or the <c>?token=</c> of an endpoint that allows it; null when there is none.
    /// </summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count == 0)
        {
            return QueryToken(request);
        }

        var value = header.Count == 1 ? header[0] ?? string.Empty : string.Empty;
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private async Task<AccessDecision> Authenticate(HttpRequest request)
    {
        if (BearerToken(request) is not { } token)
        {
            return AccessDecision.Unauthenticated(MissingToken);
        }

        var owner = Caller.OwnerOf(token);
        if (IsStaticToken(owner))
        {
            return AccessDecision.Allow(new Caller(AccessRight.All, Caller.AnyStream, owner, Caller.AnyStream));
        }

        if (_jwt is null)
        {
            return AccessDecision.Unauthenticated(UnknownToken);
        }

        return await ValidateJwt(token, owner).ConfigureAwait(false);
    }

    /// <summary>
    /// The <c>?token=</c> of an endpoint that allows it (<see cref="QueryTokenAllowed"/>): a browser's EventSource
    /// cannot send headers. Request URLs are kept out of the logs (SluiceApp holds the hosting diagnostics at
    /// Warning), so the token is not written anywhere.
    /// </summary>
    private static string? QueryToken(HttpRequest request) =>
        request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<QueryTokenAllowed>() is not null
        && request.Query.TryGetValue("token", out var token) && token.Count == 1 && !string.IsNullOrEmpty(token[0])
            ? token[0]
            : null;

    /// <summary>Compares hashes in constant time, so response timing says nothing about a token's prefix.</summary>
    private bool IsStaticToken(string owner)
    {
        var presented = Convert.FromHexString(owner);
        var found = false;
        foreach (var hash in _staticTokenHashes)
        {
            found |= CryptographicOperations.FixedTimeEquals(hash, presented);
        }

        return found;
    }

    private async Task<AccessDecision> ValidateJwt(string token, string owner)
    {
        if (!_handler.CanReadToken(token))
        {
            return AccessDecision.Unauthenticated(MalformedToken);
        }

        var result = await _handler.ValidateTokenAsync(token, _jwt).ConfigureAwait(false);
        if (!result.IsValid)
        {
            // The handler reports failures as exception values; their type says which check failed.
            return AccessDecision.Unauthenticated(result.Exception switch
            {
                SecurityTokenExpiredException => TokenExpired,
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => SignatureInvalid,
                SecurityTokenNoExpirationException => MalformedToken + ": it has no 'exp' claim",
                SecurityTokenNotYetValidException => "token not yet valid",
                SecurityTokenInvalidAlgorithmException => MalformedToken + ": it must be signed with HS256",
                _ => MalformedToken,
            });
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var hasId = jwt.TryGetPayloadValue<string>("id", out var id) && !string.IsNullOrEmpty(id);
        var hasRoom = jwt.TryGetPayloadValue<string>("room", out var room) && !string.IsNullOrEmpty(room);
        if (!hasId && !hasRoom)
        {
            return AccessDecision.Unauthenticated(MalformedToken + ": it has neither an 'id' claim (a stream name or '*') nor a 'room' claim (a room name or '*')");
        }

        var participant = jwt.TryGetPayloadValue<string>("participant", out var who) && !string.IsNullOrEmpty(who) ? who : null;

        if (!jwt.TryGetPayloadValue<int>("mode", out var mode) || mode is < 0 or > (int)AccessRight.All)
        {
            return AccessDecision.Unauthenticated(MalformedToken + ": its 'mode' claim is not a number from 0 to 7");
        }

        return AccessDecision.Allow(new Caller((AccessRight)mode, hasId ? id : null, owner, hasRoom ? room : null, participant));
    }

    private static string Describe(AccessRight right, string? stream) =>
        Verb(right) + " " + (stream is null ? "the node (that needs a token for id \"*\")" : $"stream '{stream}'");

    private static string Verb(AccessRight right) => right switch
    {
        AccessRight.Publish => "publish",
        AccessRight.Subscribe => "subscribe to",
        AccessRight.Admin => "administer",
        _ => right.ToString(),
    };

    private static string Describe(Caller caller)
    {
        var rights = new List<string>(3);
        if (caller.Rights.HasFlag(AccessRight.Subscribe))
        {
            rights.Add("subscribe");
        }

        if (caller.Rights.HasFlag(AccessRight.Publish))
        {
            rights.Add("publish");
        }

        if (caller.Rights.HasFlag(AccessRight.Admin))
        {
            rights.Add("admin");
        }

        var what = rights.Count == 0 ? "nothing" : string.Join(", ", rights);
        var on = new List<string>(2);
        if (caller.Stream is not null)
        {
            on.Add(caller.Stream == Caller.AnyStream ? "every stream and room" : $"stream '{caller.Stream}'");
        }

        if (caller.Room is not null && caller.Stream != Caller.AnyStream)
        {
            on.Add((caller.Room == Caller.AnyStream ? "every room" : $"room '{caller.Room}'") + (caller.Participant is null ? string.Empty : $" as '{caller.Participant}'"));
        }

        return what + " on " + string.Join(" and ", on);
    }

    [LoggerMessage(20, LogLevel.Information, "Refused {Method} {Path} (401): {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, string method, string path, string reason);

    [LoggerMessage(21, LogLevel.Information, "Refused {Method} {Path} (403): {Reason}")]
    private static partial void LogForbidden(ILogger logger, string method, string path, string reason);
}
