using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

/// <summary>A real <c>redis-server</c> (Debian's) on 127.0.0.1 and a free port, without persistence; killed on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Program = "/usr/bin/redis-server";

    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(int? port = null)
    {
        var server = new RedisServer(port ?? Sluice.Testing.FreePorts.Tcp());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the process (again, on the same port) and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Program, ["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"redis-server did not listen on {Port} within 10 s");
    }

    /// <summary>Kills the process, as a crash would.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

}

/// <summary>A test that needs redis-server: skipped where it is not installed, unless SLUICE_REQUIRE_PEERS=1 (CI) makes that a failure.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (!File.Exists(RedisServer.Program) && Environment.GetEnvironmentVariable("SLUICE_REQUIRE_PEERS") != "1")
        {
            Skip = $"{RedisServer.Program} not found (apt-get install redis-server); set SLUICE_REQUIRE_PEERS=1 to fail instead";
        }
    }
}
