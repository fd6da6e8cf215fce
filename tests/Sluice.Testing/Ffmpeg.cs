using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sluice.Testing;

/// <summary>Debian's ffmpeg, used to make small real media files at test time (no binary media in the repo).</summary>
public static class Ffmpeg
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Outputs = new();
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), $"sluice-tests-{Environment.ProcessId}");

    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("SLUICE_FFMPEG") ?? "/usr/bin/ffmpeg";

    public static string ProbePath => Path.Combine(Path.GetDirectoryName(ExecutablePath)!, "ffprobe");

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public static bool IsRequired => Environment.GetEnvironmentVariable("SLUICE_REQUIRE_FFMPEG") == "1";

    /// <summary>
    /// Runs <c>ffmpeg -hide_banner -loglevel error -y {arguments} {output}</c> once per distinct command line
    /// (tests share the result) and returns the output path.
    /// </summary>
    public static string Generate(string arguments, string outputName) =>
        Outputs.GetOrAdd(arguments + "|" + outputName, _ => new Lazy<string>(() =>
        {
            System.IO.Directory.CreateDirectory(Directory);
            string output = Path.Combine(Directory, outputName);
            var (exit, error) = Run(ExecutablePath, $"-hide_banner -loglevel error -y {arguments} \"{output}\"");
            if (exit != 0 || !File.Exists(output))
            {
                throw new InvalidOperationException($"ffmpeg {arguments} failed with exit code {exit}: {error}");
            }

            return output;
        })).Value;

    public static (int ExitCode, string Output) Run(string executable, string arguments)
    {
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{executable} not found (apt-get install ffmpeg); SLUICE_REQUIRE_FFMPEG=1 makes this a failure.");
        }

        using var process = Process.Start(new ProcessStartInfo(executable, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
