using Sluice.Interop.Tests.Support;

namespace Sluice.Interop.Tests.Pion;

/// <summary>
/// The Pion peer (<c>Peers/pion/main.go</c>), built once per test run into a temporary GOPATH against Debian's
/// Pion sources in <c>/usr/share/gocode</c>: GOPATH mode, offline. The program sits in <c>src/pionpeer</c> with
/// a one-line go.mod, which lets Go's minimal module compatibility resolve <c>github.com/pion/webrtc/v3</c> to
/// Debian's <c>github.com/pion/webrtc</c>.
/// </summary>
public sealed class PionProgram : IDisposable
{
    public const string Go = "/usr/bin/go";
    public const string Package = "golang-go golang-github-pion-webrtc.v3-dev";

    private readonly Lazy<Task<string>> _build;
    private string? _root;

    public PionProgram() => _build = new Lazy<Task<string>>(BuildAsync);

    /// <summary>The built program's path; the first call builds it.</summary>
    public Task<string> ExecutableAsync() => _build.Value;

    /// <summary>Starts the peer as a WHIP publisher of looped files for <paramref name="seconds"/>, then DELETE.</summary>
    public async Task<PeerProcess> PublishAsync(Uri whip, string video, string audio, int seconds) =>
        PeerProcess.Start(await ExecutableAsync(), ["-mode", "publish", "-url", whip.ToString(), "-video", video, "-audio", audio, "-seconds", $"{seconds}"]);

    /// <summary>Starts the peer as a WHEP subscriber for <paramref name="seconds"/>, printing a line per second, then DELETE.</summary>
    public async Task<PeerProcess> SubscribeAsync(Uri whep, int seconds) =>
        PeerProcess.Start(await ExecutableAsync(), ["-mode", "subscribe", "-url", whep.ToString(), "-seconds", $"{seconds}"]);

    private async Task<string> BuildAsync()
    {
        _root = Directory.CreateTempSubdirectory("sluice-pion-").FullName;
        var source = Path.Combine(_root, "src", "pionpeer");
        Directory.CreateDirectory(source);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Peers", "pion")))
        {
            File.Copy(file, Path.Combine(source, Path.GetFileName(file)));
        }

        var output = Path.Combine(_root, "pionpeer");
        var environment = new Dictionary<string, string>
        {
            ["GO111MODULE"] = "off",
            ["GOPROXY"] = "off",
            ["GOFLAGS"] = string.Empty,
            ["GOPATH"] = $"{_root}:/usr/share/gocode",
            // Shared between runs: a cold build of Pion takes about 20 s of two cores, a warm one a second.
            ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "sluice-pion-gocache"),
        };
        var go = PeerProcess.Start(Go, ["build", "-o", output, "."], environment, source);
        int exit;
        try
        {
            exit = await go.Exited.WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            await go.DisposeAsync(); // also waits for the last of its output
        }

        if (exit != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"go build of the Pion peer failed with exit code {exit}:\n{go.Output}");
        }

        return output;
    }

    /// <summary>Deletes the build (xunit 2 disposes collection fixtures through IDisposable only).</summary>
    public void Dispose()
    {
        try
        {
            if (_root is not null)
            {
                Directory.Delete(_root, recursive: true);
            }
        }
        catch (IOException)
        {
            // A peer still being killed may hold its binary; the temp folder is cleaned later.
        }
    }
}

/// <summary>The Pion tests share one build of the peer and run alone: two-core machines, real-time media.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PionCollection : ICollectionFixture<PionProgram>
{
    public const string Name = "Pion";
}
