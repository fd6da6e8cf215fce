using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.LiveKit;

/// <summary>
/// The <c>video</c> grant of a LiveKit access token: what its holder may do in which room. <see cref="CanPublish"/>,
/// <see cref="CanSubscribe"/> and <see cref="CanPublishData"/> are allowed when absent (null), as LiveKit reads them.
/// </summary>
public sealed record VideoGrant
{
    public bool RoomCreate { get; init; }

    public bool RoomList { get; init; }

    public bool RoomRecord { get; init; }

    public bool RoomAdmin { get; init; }

    public bool RoomJoin { get; init; }

    public string? Room { get; init; }

    public bool? CanPublish { get; init; }

    public bool? CanSubscribe { get; init; }

    public bool? CanPublishData { get; init; }

    /// <summary>The track sources a publisher may use (<c>camera</c>, <c>microphone</c>, <c>screen_share</c>, <c>screen_share_audio</c>); null or empty: any.</summary>
    public IReadOnlyList<string>? CanPublishSources { get; init; }

    public bool CanUpdateOwnMetadata { get; init; }

    public bool Hidden { get; init; }

    public bool Recorder { get; init; }

    [JsonIgnore]
    public bool MayPublish => CanPublish ?? true;

    [JsonIgnore]
    public bool MaySubscribe => CanSubscribe ?? true;

    [JsonIgnore]
    public bool MayPublishData => CanPublishData ?? true;
}

/// <summary>What a valid LiveKit access token says: who (<see cref="Identity"/>), issued under which API key, and its grant.</summary>
public sealed record AccessClaims(string ApiKey, string Identity, VideoGrant Video)
{
    public string? Name { get; init; }

    public string? Metadata { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public DateTimeOffset? Expires { get; init; }
}

/// <summary>
/// LiveKit access tokens: HS256 JWTs (RFC 7519) whose issuer is an API key and whose key is that API key's secret;
/// <c>sub</c> is the participant's identity, <c>video</c> the grant. Written here rather than with a JWT library
/// because LiveKit's development secret (<c>secret</c>) is shorter than such libraries accept for HS256.
/// </summary>
public static class AccessToken
{
    /// <summary>Clocks of the token's issuer and the node may disagree this much.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    private static readonly byte[] Header = Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}""");

    /// <summary>
    /// Checks <paramref name="token"/>'s signature with the secret of the API key it names (<paramref name="secretOf"/>:
    /// null for a key not configured) and its lifetime; the claims, or why the token is refused (words a user can act on).
    /// </summary>
    public static AccessClaims? Validate(string token, Func<string, string?> secretOf, DateTimeOffset now, out string? error)
    {
        ArgumentNullException.ThrowIfNull(secretOf);
        var parts = token.Split('.');
        if (parts.Length != 3 || !TryDecode(parts[0], out var headerBytes) || !TryDecode(parts[1], out var payloadBytes) || !TryDecode(parts[2], out var signature))
        {
            error = "malformed token: not a JWT";
            return null;
        }

        Payload? payload;
        try
        {
            using var header = JsonDocument.Parse(headerBytes);
            if (!header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "HS256")
            {
                error = "malformed token: only HS256 tokens are accepted";
                return null;
            }

            payload = JsonSerializer.Deserialize<Payload>(payloadBytes, Json);
        }
        catch (JsonException)
        {
            error = "malformed token: its header or claims are not JSON";
            return null;
        }

        if (payload?.Iss is not { Length: > 0 } apiKey)
        {
            error = "malformed token: no issuer (the API key)";
            return null;
        }

        if (secretOf(apiKey) is not { } secret)
        {
            error = $"unknown API key '{apiKey}'";
            return null;
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed), signature))
        {
            error = "invalid token: signature invalid";
            return null;
        }

        var seconds = now.ToUnixTimeSeconds();
        if (payload.Exp is { } exp && exp + ClockSkew.TotalSeconds < seconds)
        {
            error = "invalid token: token is expired";
            return null;
        }

        if (payload.Nbf is { } nbf && nbf - ClockSkew.TotalSeconds > seconds)
        {
            error = "invalid token: token is not valid yet";
            return null;
        }

        error = null;
        return new AccessClaims(apiKey, payload.Sub ?? "", payload.Video ?? new VideoGrant())
        {
            Name = payload.Name,
            Metadata = payload.Metadata,
            Attributes = payload.Attributes ?? [],
            Expires = payload.Exp is { } e ? DateTimeOffset.FromUnixTimeSeconds(e) : null,
        };
    }

    /// <summary>A token for <paramref name="claims"/>, signed with <paramref name="secret"/>, valid from now for <paramref name="lifetime"/>.</summary>
    public static string Create(AccessClaims claims, string secret, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var payload = new Payload
        {
            Iss = claims.ApiKey,
            Sub = claims.Identity,
            Nbf = now.ToUnixTimeSeconds(),
            Exp = (now + lifetime).ToUnixTimeSeconds(),
            Name = claims.Name,
            Metadata = claims.Metadata,
            Attributes = claims.Attributes.Count == 0 ? null : new Dictionary<string, string>(claims.Attributes),
            Video = claims.Video,
        };
        var signed = Encode(Header) + "." + Encode(JsonSerializer.SerializeToUtf8Bytes(payload, Json));
        return signed + "." + Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signed)));
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    private static bool TryDecode(string text, out byte[] bytes)
    {
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private sealed class Payload
    {
        public string? Iss { get; set; }

        public string? Sub { get; set; }

        public long? Exp { get; set; }

        public long? Nbf { get; set; }

        public string? Name { get; set; }

        public string? Metadata { get; set; }

        public Dictionary<string, string>? Attributes { get; set; }

        public VideoGrant? Video { get; set; }
    }
}
