using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// A peer program started by a test: its output lines are kept (and echoed to the test log on failure), a
/// test awaits the line it needs with a timeout, and disposing kills the whole process tree.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PeerProcess(Process process) => _process = process;

    public string Name { get; private init; } = string.Empty;

    /// <summary>Every line printed so far (stdout and stderr), in arrival order.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    public Task<int> Exited => _exited.Task;

    public string Output => string.Join('\n', _lines);

    /// <param name="commands">Whether the program reads commands from standard input (<see cref="SendLineAsync"/>).</param>
    public static PeerProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, bool commands = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = commands,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(process) { Name = Path.GetFileName(fileName) };
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnLine(e.Data);
        // Exited can come before the last lines are read: WaitForExit() also waits for both streams' end.
        process.Exited += (_, _) => Task.Run(() =>
        {
            process.WaitForExit();
            peer._exited.TrySetResult(process.ExitCode);
        });
        if (!process.Start())
        {
            throw new InvalidOperationException($"{fileName} did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>The first line (already printed or still to come) that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        TaskCompletionSource<string> done;
        lock (_lock)
        {
            foreach (var line in _lines)
            {
                if (match(line))
                {
                    return line;
                }
            }

            done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }

        var finished = await Task.WhenAny(done.Task, _exited.Task, Task.Delay(timeout));
        if (finished == done.Task)
        {
            return await done.Task;
        }

        var why = finished == _exited.Task ? $"{Name} exited with code {_exited.Task.Result}" : $"timed out after {timeout.TotalSeconds:0.#} s";
        throw new TimeoutException($"{why} waiting for {what}. Its output:\n{Tail(60)}");
    }

    /// <summary>Writes one command line to the program's standard input (started with <c>commands: true</c>).</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    public string Tail(int count) => string.Join('\n', _lines.TakeLast(count));

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _lines.Enqueue(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        catch (TimeoutException)
        {
            // A stuck child: the namespace goes with the test run.
        }

        _process.Dispose();
    }
}
