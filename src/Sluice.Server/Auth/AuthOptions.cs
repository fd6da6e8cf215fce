using System.Text;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Auth;

/// <summary>
/// The <c>Auth</c> configuration section (<c>SLUICE_Auth__Secret</c>, <c>SLUICE_Auth__Tokens__0</c>, ...).
/// Neither set: auth is off. Both may be set: a request may carry either kind of token.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Static bearer tokens; each has full access (publish, subscribe and admin on every stream).</summary>
    public List<string> Tokens { get; set; } = [];

    /// <summary>The HS256 secret of live777-style JWTs (<c>{"id", "exp", "mode"}</c>); at least 32 bytes.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// LiveKit API keys and their secrets (<c>--Auth:ApiKeys:mykey SECRET</c>, <c>SLUICE_Auth__ApiKeys__mykey=SECRET</c>):
    /// LiveKit clients' access tokens and room-service calls are signed with them. None: LiveKit clients are refused.
    /// </summary>
    public Dictionary<string, string> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Set by <c>sluice --dev</c>: LiveKit's development key pair (<see cref="DevApiKey"/> / <see cref="DevApiSecret"/>) is
    /// accepted, the only place a short secret is.
    /// </summary>
    public bool DevKeys { get; set; }

    public const string DevApiKey = "devkey";

    public const string DevApiSecret = "secret";

    /// <summary>The secret of a LiveKit API key, null when the key is not configured.</summary>
    public string? ApiSecret(string apiKey) =>
        ApiKeys.TryGetValue(apiKey, out var secret) ? secret : DevKeys && apiKey == DevApiKey ? DevApiSecret : null;

    /// <summary>Whether LiveKit clients can be admitted (some API key is configured, or <c>--dev</c>).</summary>
    public bool LiveKitEnabled => ApiKeys.Count > 0 || DevKeys;

    /// <summary>Whether any credential is configured; without one every request is allowed.</summary>
    public bool Enabled => Tokens.Count > 0 || !string.IsNullOrEmpty(Secret);
}

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <summary>RFC 7518 §3.2: an HS256 key must be at least as long as the hash, 256 bits.</summary>
    public const int MinimumSecretBytes = 32;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var token = options.Tokens[i];
            if (!string.IsNullOrWhiteSpace(token) && !token.Any(char.IsWhiteSpace) && token.Length < 16)
            {
                errors.Add($"Auth:Tokens:{i} is {token.Length} characters; use at least 16 random ones (it grants full access).");
            }

            if (string.IsNullOrWhiteSpace(token) || token.Any(char.IsWhiteSpace))
            {
                // The value itself is not repeated: it is a credential.
                errors.Add($"Auth:Tokens:{i} is empty or contains whitespace; a bearer token is one word (RFC 6750 §2.1).");
            }
        }

        foreach (var (key, apiSecret) in options.ApiKeys)
        {
            if (Encoding.UTF8.GetByteCount(apiSecret ?? "") < MinimumSecretBytes)
            {
                errors.Add($"Auth:ApiKeys:{key} is {Encoding.UTF8.GetByteCount(apiSecret ?? "")} bytes; a LiveKit API secret needs at least {MinimumSecretBytes} (`openssl rand -base64 32`); for development, `sluice --dev` accepts devkey / secret.");
            }
        }

        if (options.Secret is { Length: > 0 } secret && Encoding.UTF8.GetByteCount(secret) < MinimumSecretBytes)
        {
            errors.Add($"Auth:Secret is {Encoding.UTF8.GetByteCount(secret)} bytes; HS256 needs at least {MinimumSecretBytes} (RFC 7518 §3.2), e.g. `openssl rand -base64 32`.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
