using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice-cli token</c>: an HS256 JWT a node with the same <c>Auth:Secret</c> accepts, in live777's
/// shape <c>{"id": stream or "*", "exp": unix seconds, "mode": bits}</c> (4 subscribe, 2 publish, 1 admin); or, with
/// <c>--api-key</c>, a LiveKit access token (issuer the key, subject the identity, a video grant).
/// </summary>
internal static class TokenCommand
{
    /// <summary>RFC 7518 §3.2: an HS256 key is at least 256 bits; the node refuses shorter secrets too.</summary>
    private const int MinimumSecretBytes = 32;

    /// <summary>LiveKit's grants <c>--grants</c> takes (a token for a room always has roomJoin).</summary>
    private static readonly string[] LiveKitGrants = ["canPublish", "canSubscribe", "canPublishData", "roomAdmin", "roomCreate", "roomList", "hidden"];

    public static Command Create(CliEnvironment env)
    {
        var secret = new Option<string?>("--secret") { Description = "The node's Auth:Secret (at least 32 bytes): a live777-style token" };
        var stream = new Option<string?>("--stream") { Description = "The stream the token is for, or \"*\" for every stream" };
        var publish = new Option<bool>("--publish") { Description = "Allow publishing (WHIP), mode bit 2" };
        var subscribe = new Option<bool>("--subscribe") { Description = "Allow playing (WHEP), mode bit 4" };
        var admin = new Option<bool>("--admin") { Description = "Allow administering the stream and ending any of its sessions, mode bit 1" };
        var apiKey = new Option<string?>("--api-key") { Description = "A LiveKit API key (Auth:ApiKeys): a LiveKit access token instead" };
        var apiSecret = new Option<string?>("--api-secret") { Description = "The LiveKit API key's secret" };
        var room = new Option<string?>("--room") { Description = "LiveKit: the room the token joins (roomJoin)" };
        var identity = new Option<string?>("--identity") { Description = "LiveKit: the participant's identity" };
        var grants = new Option<string[]>("--grants")
        {
            Description = "LiveKit: grants besides roomJoin (" + string.Join(", ", LiveKitGrants) + "); canPublish, canSubscribe and canPublishData are allowed unless given false as name=false",
            AllowMultipleArgumentsPerToken = true,
        };
        var ttl = new Option<TimeSpan>("--ttl")
        {
            Description = "How long the token is valid: a number with s, m, h or d (30s, 10m, 1h, 2d)",
            DefaultValueFactory = _ => TimeSpan.FromHours(1),
            CustomParser = ParseTtl,
        };
        secret.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && Encoding.UTF8.GetByteCount(value) < MinimumSecretBytes)
            {
                result.AddError($"--secret must be at least {MinimumSecretBytes} bytes for HS256 (RFC 7518 §3.2), e.g. `openssl rand -base64 32`.");
            }
        });

        var command = new Command("token", "Print a JWT for a node's Auth:Secret (--secret), or a LiveKit access token (--api-key)")
            { secret, stream, publish, subscribe, admin, apiKey, apiSecret, room, identity, grants, ttl };
        command.Validators.Add(result =>
        {
            if (result.GetValue(apiKey) is not null)
            {
                if (result.GetValue(apiSecret) is null || result.GetValue(identity) is null)
                {
                    result.AddError("A LiveKit token needs --api-key, --api-secret and --identity (and --room to join one).");
                }

                foreach (var grant in result.GetValue(grants) ?? [])
                {
                    if (!LiveKitGrants.Contains(grant.Split('=')[0]))
                    {
                        result.AddError($"--grants: '{grant}' is not one of {string.Join(", ", LiveKitGrants)}.");
                    }
                }

                return;
            }

            if (result.GetValue(secret) is null || result.GetValue(stream) is null)
            {
                result.AddError("Give --secret and --stream (a live777-style token), or --api-key, --api-secret and --identity (a LiveKit token).");
            }
            else if (!result.GetValue(publish) && !result.GetValue(subscribe) && !result.GetValue(admin))
            {
                result.AddError("Give --publish, --subscribe and/or --admin: a token with no right is refused everywhere.");
            }
        });
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            string token;
            if (parse.GetValue(apiKey) is { } key)
            {
                var given = (parse.GetValue(grants) ?? []).Select(g => g.Split('=')).ToDictionary(g => g[0], g => g.Length < 2 || g[1] != "false");
                bool? Allowed(string name) => given.TryGetValue(name, out var value) ? value : null;
                var grant = new Sluice.LiveKit.VideoGrant
                {
                    RoomJoin = parse.GetValue(room) is not null,
                    Room = parse.GetValue(room),
                    CanPublish = Allowed("canPublish"),
                    CanSubscribe = Allowed("canSubscribe"),
                    CanPublishData = Allowed("canPublishData"),
                    RoomAdmin = Allowed("roomAdmin") == true,
                    RoomCreate = Allowed("roomCreate") == true,
                    RoomList = Allowed("roomList") == true,
                    Hidden = Allowed("hidden") == true,
                };
                token = Sluice.LiveKit.AccessToken.Create(new Sluice.LiveKit.AccessClaims(key, parse.GetRequiredValue(identity)!, grant) { Name = parse.GetValue(identity) },
                    parse.GetRequiredValue(apiSecret)!, DateTimeOffset.UtcNow, parse.GetValue(ttl));
            }
            else
            {
                var mode = (parse.GetValue(subscribe) ? 4 : 0) | (parse.GetValue(publish) ? 2 : 0) | (parse.GetValue(admin) ? 1 : 0);
                token = Mint(parse.GetRequiredValue(secret)!, parse.GetRequiredValue(stream)!, mode, DateTimeOffset.UtcNow + parse.GetValue(ttl));
            }

            await env.Out.WriteLineAsync(token.AsMemory(), cancellationToken).ConfigureAwait(false);
            return CliCommands.Success;
        });
        return command;
    }

    public static string Mint(string secret, string stream, int mode, DateTimeOffset expires) =>
        Sluice.Client.Auth.AccessTokens.Mint(secret, stream, mode, expires);

    /// <summary>30s, 10m, 1h, 2d: a positive whole number and one unit.</summary>
    public static bool TryParseTtl(string text, out TimeSpan ttl)
    {
        ttl = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            return false;
        }

        long? seconds = text[^1] switch
        {
            's' => count,
            'm' => count * 60,
            'h' => count * 3600,
            'd' => count * 86400,
            _ => null,
        };
        if (seconds is not { } value || value > TimeSpan.FromDays(3650).TotalSeconds)
        {
            return false;
        }

        ttl = TimeSpan.FromSeconds(value);
        return true;
    }

    private static TimeSpan ParseTtl(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParseTtl(text, out var ttl))
        {
            return ttl;
        }

        result.AddError($"--ttl '{text}' is not a duration: use a number and s, m, h or d (30s, 10m, 1h, 2d), up to 10 years.");
        return default;
    }
}
