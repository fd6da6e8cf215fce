namespace Sluice.Cli.Commands;

/// <summary>What the commands write to and talk through; tests pass their own writers and HTTP handler.</summary>
internal sealed record CliEnvironment(TextWriter Out, TextWriter Error, Func<HttpClient> CreateHttpClient)
{
    public static CliEnvironment Console { get; } = new(System.Console.Out, System.Console.Error, () => new HttpClient { Timeout = TimeSpan.FromSeconds(30) });
}
