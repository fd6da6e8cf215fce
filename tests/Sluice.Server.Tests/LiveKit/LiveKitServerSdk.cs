using System.Diagnostics;
using System.Text.Json;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// LiveKit's server SDK for Node (npm <c>livekit-server-sdk</c>, <c>Peers/livekit/roomservice.mjs</c>): tokens from its
/// <c>AccessToken</c> and calls of its <c>RoomServiceClient</c>, each one run of <c>node</c>.
/// </summary>
internal static class LiveKitServerSdk
{
    /// <summary>A token for <paramref name="identity"/> in <paramref name="room"/> (roomJoin, plus <paramref name="grants"/>), made by the SDK.</summary>
    public static async Task<string> TokenAsync(string room, string identity, object? grants = null)
    {
        var result = await RunAsync("http://unused", "token", room, identity, grants);
        return result.GetProperty("token").GetString()!;
    }

    /// <summary>Calls <c>RoomServiceClient.{method}(args)</c> against <paramref name="node"/>: its result, or throws with the SDK's error.</summary>
    public static async Task<JsonElement> CallAsync(Uri node, string method, params object?[] args)
    {
        var result = await RunAsync(node.ToString().TrimEnd('/'), method, args);
        if (result.TryGetProperty("error", out var error))
        {
            throw new RoomServiceException(error.GetProperty("code").ToString(), error.GetProperty("status").ToString(), error.GetProperty("message").GetString()!);
        }

        return result.GetProperty("ok");
    }

    private static async Task<JsonElement> RunAsync(string url, string method, params object?[] args)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = LiveKitTab.PeerFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(LiveKitTab.PeerFolder, "roomservice.mjs"), url, method, JsonSerializer.Serialize(args) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output;
        if (process.ExitCode != 0 || string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidOperationException($"roomservice.mjs {method} failed (exit {process.ExitCode}): {text} {await errors}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

internal sealed class RoomServiceException(string code, string status, string message) : Exception($"{code} ({status}): {message}")
{
    public string Code { get; } = code;

    public string Status { get; } = status;
}
