using System.Diagnostics;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Configuration;

/// <summary>
/// A bad value stops the start with a message naming the key and what is wrong: from a flag, a SLUICE_
/// variable, or a --config file.
/// </summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData(new[] { "--udp-port", "70000" }, "UdpPort: 70000 is not a UDP port")]
    [InlineData(new[] { "--udp-port", "seven" }, "'UdpPort'")]
    [InlineData(new[] { "--listen", "nowhere" }, "Listen: 'nowhere' is not an address:port")]
    [InlineData(new[] { "--listen", "0.0.0.0:99999" }, "Listen: '0.0.0.0:99999'")]
    [InlineData(new[] { "--announce-ip", "127.0.0.1", "--announce-ip", "not-an-ip" }, "AnnounceIp:1: 'not-an-ip' is not an IP address")]
    [InlineData(new[] { "--ice-server", "http://example.org" }, "IceServers:0:Urls: 'http://example.org' is not a stun:")]
    [InlineData(new[] { "--ice-server", "turn:turn.example.org:3478" }, "IceServers:0: the TURN server 'turn:turn.example.org:3478' needs Username and Credential")]
    [InlineData(new[] { "--ConsentTimeoutSeconds", "0" }, "ConsentTimeoutSeconds: 0 is outside")]
    [InlineData(new[] { "--udp-port" }, "--udp-port needs a value")]
    [InlineData(new[] { "--config", "/nonexistent/sluice.json" }, "--config: '/nonexistent/sluice.json' does not exist")]
    public void A_bad_value_is_refused_with_its_key(string[] args, string message)
    {
        var error = Assert.Throws<SluiceConfigurationException>(() => SluiceApp.Build(args));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<SluiceConfigurationException>(() => SluiceApp.Build(["--udp-port", "70000", "--announce-ip", "x"]));

        Assert.Equal(2, error.Failures.Count);
    }

    [Fact]
    public async Task A_config_file_sets_keys_and_flags_override_it()
    {
        var file = Path.Combine(TestMedia.TempDirectory(), "sluice.json");
        await File.WriteAllTextAsync(file, """
            {
              // Comments are allowed, as in appsettings.json.
              "ConsentTimeoutSeconds": 7,
              "IceServers": [ { "Urls": "stun:stun.example.org:3478" } ]
            }
            """);

        await using (var node = await TestNode.StartAsync("--config", file))
        {
            var response = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whip/x"));
            Assert.Equal("<stun:stun.example.org:3478>; rel=\"ice-server\"", Assert.Single(response.Headers.GetValues("Link")));
        }

        await using (var node = await TestNode.StartAsync("--config", file, "--ice-server", "stun:flag.example.org:3478"))
        {
            var response = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whip/x"));
            Assert.Equal("<stun:flag.example.org:3478>; rel=\"ice-server\"", Assert.Single(response.Headers.GetValues("Link")));
        }
    }

    [Fact]
    public async Task The_sluice_binary_exits_with_the_message_for_a_bad_environment_variable()
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "sluice.dll")}\"")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["SLUICE_UdpPort"] = "123456";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("UdpPort: 123456 is not a UDP port", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_media_port_stops_the_binary_with_one_line_naming_the_port()
    {
        using var occupant = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
        var port = ((System.Net.IPEndPoint)occupant.Client.LocalEndPoint!).Port;
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "sluice.dll")}\" --listen 127.0.0.1:0 --udp-port {port}")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains($"cannot bind UDP port {port}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
    }
}
