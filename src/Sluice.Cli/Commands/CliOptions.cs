using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;

namespace Sluice.Cli.Commands;

/// <summary>The arguments and options shared by the commands, with their validation.</summary>
internal static class CliOptions
{
    /// <summary>The WHIP/WHEP endpoint: an absolute http(s) URL.</summary>
    public static Argument<Uri> Url(string description) => new("url")
    {
        Description = description,
        CustomParser = ParseUrl,
    };

    public static Option<string?> Token() => new("--token")
    {
        Description = "Bearer token sent as 'Authorization: Bearer <token>' (RFC 9725 §4.5)",
    };

    /// <summary>A positive number (seconds, frames per second).</summary>
    public static void RequirePositive(Option option) =>
        option.Validators.Add(result =>
        {
            // Validators run even when conversion failed (which reports its own error): check the token text.
            if (result.Tokens.Count > 0 && double.TryParse(result.Tokens[0].Value, CultureInfo.InvariantCulture, out var value) && !(value > 0))
            {
                result.AddError($"{option.Name} must be a positive number, not '{result.Tokens[0].Value}'.");
            }
        });

    public static void RequireRange(Option<int> option, int min, int max) =>
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, CultureInfo.InvariantCulture, out var value) && (value < min || value > max))
            {
                result.AddError($"{option.Name} must be between {min} and {max}, not {value}.");
            }
        });

    public static void RequireExistingFile(Option<string?> option) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } path && !File.Exists(path))
            {
                result.AddError($"{option.Name}: file '{path}' does not exist.");
            }
        });

    private static Uri? ParseUrl(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"'{text}' is not an http:// or https:// URL (e.g. http://127.0.0.1:7777/whip/my-stream).");
        return null;
    }
}
