using System.Diagnostics.CodeAnalysis;

namespace Sluice.Server.Cascade;

/// <summary>
/// A stream cascaded from the node's start (configuration section <c>Streams:{name}</c>): pulled from one
/// <see cref="Source"/>, and/or pushed to each of <see cref="Targets"/>. URLs are <c>whep://[token@]host:port/path</c>
/// and <c>whip://[token@]host:port/path</c> (<c>wheps</c>/<c>whips</c> for HTTPS), or plain http(s) URLs.
/// </summary>
public sealed class StreamOptions
{
    public string? Source { get; set; }

    public List<string> Targets { get; set; } = [];
}

/// <summary>A parsed cascade URL: the HTTP(S) endpoint to POST the offer to, and the bearer token, if the URL carried one.</summary>
internal sealed record CascadeEndpoint(Uri Url, string? Token)
{
    /// <summary>
    /// Reads <c>whep://token@host:port/whep/s</c> (the scheme says the role; <c>wheps</c> is HTTPS; the user part is the
    /// token) or an http(s) URL; <paramref name="scheme"/> is "whep" or "whip". The error names what is wrong.
    /// </summary>
    public static bool TryParse(string? text, string scheme, [NotNullWhen(true)] out CascadeEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not an absolute URL ({scheme}://[token@]host:port/path or http(s)://host:port/path)";
            return false;
        }

        string http;
        if (uri.Scheme == scheme)
        {
            http = "http";
        }
        else if (uri.Scheme == scheme + "s")
        {
            http = "https";
        }
        else if (uri.Scheme is "http" or "https")
        {
            http = uri.Scheme;
        }
        else
        {
            error = $"'{text}': the scheme must be {scheme}, {scheme}s, http or https, not {uri.Scheme}";
            return false;
        }

        var token = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null;
        var builder = new UriBuilder(uri) { Scheme = http, UserName = string.Empty, Password = string.Empty };
        if (uri.IsDefaultPort)
        {
            builder.Port = -1;
        }

        endpoint = new CascadeEndpoint(builder.Uri, token);
        error = null;
        return true;
    }
}
