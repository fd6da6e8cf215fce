namespace Sluice.Interop.Tests.Support;

/// <summary>Our own <c>sluice-cli</c> (built beside the tests) run as a separate process, as a publisher for the real peers.</summary>
public static class SluiceCli
{
    /// <summary>Publishes the files in a loop until the process is disposed; it prints <c>connected from …</c> once media flows.</summary>
    public static PeerProcess WhipLoop(Uri whip, string video, string audio) =>
        PeerProcess.Start(Dotnet, [Path.Combine(AppContext.BaseDirectory, "sluice-cli.dll"), "whip", whip.ToString(), "--video", video, "--audio", audio, "--loop"]);

    /// <summary>Plays a WHEP endpoint for <paramref name="seconds"/>, then prints its summary ("whep: ... received N packets ...") and exits.</summary>
    public static PeerProcess Whep(Uri whep, int seconds) =>
        PeerProcess.Start(Dotnet, [Path.Combine(AppContext.BaseDirectory, "sluice-cli.dll"), "whep", whep.ToString(), "--duration", $"{seconds}", "--no-reconnect"]);

    /// <summary>The host running the tests (the SDK sets DOTNET_HOST_PATH for test runs).</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
}
