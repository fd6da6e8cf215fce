using System.Diagnostics;

namespace Sluice.Testing;

/// <summary>
/// A `sluice` node as a process of its own, as an operator or a container runs it: what a node's death (the process
/// killed) does to the others can only be seen this way, and a benchmark measures the node's own CPU. Its output
/// is kept (the last 200 lines) for failure messages.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private NodeProcess(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
        Http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    /// <summary>What the node printed lately.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>
    /// `dotnet sluice.dll ARGS` with the build beside the running tests (its content root, appsettings.json
    /// included), listening at <paramref name="baseUri"/>; returns once /healthz answers.
    /// </summary>
    public static Task<NodeProcess> StartAsync(Uri baseUri, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "sluice.dll"), .. args]) { WorkingDirectory = AppContext.BaseDirectory };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return StartAsync(start, baseUri);
    }

    /// <summary>Starts <paramref name="start"/> (its output captured) and returns once the node at <paramref name="baseUri"/> answers /healthz.</summary>
    public static async Task<NodeProcess> StartAsync(ProcessStartInfo start, Uri baseUri)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var node = new NodeProcess(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start"), baseUri);
        node._process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (node._process.HasExited)
            {
                throw new InvalidOperationException($"the node exited with {node._process.ExitCode}: {node.Output}");
            }

            try
            {
                using var response = await node.Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        await node.DisposeAsync();
        throw new TimeoutException($"the node did not answer /healthz within 30 s: {node.Output}");
    }

    /// <summary>Kills the process at once, as a crash or a power cut would: no goodbye to Redis or to peers.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Http.Dispose();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }
}
