using Sluice.Cli.Commands;

namespace Sluice.Server.Tests.Support;

/// <summary>Runs `sluice-cli` in-process with its real command line, capturing what it prints.</summary>
internal static class Cli
{
    public static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = CliCommands.Create(new CliEnvironment(TextWriter.Synchronized(output), TextWriter.Synchronized(error), () => new HttpClient()));
        var exit = await root.Parse(args).InvokeAsync();
        return (exit, output + error.ToString());
    }
}
