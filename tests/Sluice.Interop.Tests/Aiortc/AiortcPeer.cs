using Sluice.Interop.Tests.Support;

namespace Sluice.Interop.Tests.Aiortc;

/// <summary>
/// The aiortc peer (<c>Peers/aiortc/peer.py</c>) run by Debian's Python, which has python3-aiortc and
/// python3-aiohttp (the default <c>python3</c> may be another interpreter without them).
/// </summary>
public static class AiortcPeer
{
    public const string Python = "/usr/bin/python3";
    public const string Package = "python3-aiortc python3-aiohttp";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "Peers", "aiortc", "peer.py");

    /// <summary>Publishes <paramref name="media"/> (decoded and encoded again by aiortc) in a loop for <paramref name="seconds"/>, then DELETE.</summary>
    public static PeerProcess Publish(Uri whip, string media, int seconds) =>
        PeerProcess.Start(Python, ["-u", Script, "--mode", "publish", "--url", whip.ToString(), "--media", media, "--seconds", $"{seconds}"]);

    /// <summary>Subscribes and decodes for <paramref name="seconds"/>, printing the frames decoded each second, then DELETE.</summary>
    public static PeerProcess Subscribe(Uri whep, int seconds) =>
        PeerProcess.Start(Python, ["-u", Script, "--mode", "subscribe", "--url", whep.ToString(), "--seconds", $"{seconds}"]);
}

/// <summary>The aiortc tests run alone: aiortc encodes and decodes in Python, and the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AiortcCollection
{
    public const string Name = "Aiortc";
}
