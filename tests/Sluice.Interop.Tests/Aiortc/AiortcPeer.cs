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

    /// <summary>A WHEP server on a free loopback port serving <paramref name="media"/> to every session for <paramref name="seconds"/>; it prints "listening port=N".</summary>
    public static PeerProcess Serve(string media, int seconds) =>
        PeerProcess.Start(Python, ["-u", Script, "--mode", "serve", "--media", media, "--seconds", $"{seconds}"]);

    /// <summary>
    /// A publisher with a data channel labelled <paramref name="label"/> that takes <c>burst</c> and <c>send</c>
    /// commands (<see cref="PeerProcess.SendLineAsync"/>), with <paramref name="media"/> as its audio and video, or
    /// data only when null. <paramref name="rfc8832StreamIds"/>: see <see cref="DataOptions"/>.
    /// </summary>
    public static PeerProcess PublishData(Uri whip, string? media, int seconds, string label = "chat", bool rfc8832StreamIds = false) =>
        PeerProcess.Start(Python, ["-u", Script, "--mode", "publish", "--url", whip.ToString(), .. DataOptions(seconds, label, rfc8832StreamIds),
            .. media is null ? Array.Empty<string>() : ["--media", media]], commands: true);

    /// <summary>A subscriber that opens a data channel labelled <paramref name="label"/>, prints every message it receives and takes <c>send</c> commands.</summary>
    public static PeerProcess SubscribeData(Uri whep, bool media, int seconds, string label = "chat", bool rfc8832StreamIds = false) =>
        PeerProcess.Start(Python, ["-u", Script, "--mode", "subscribe", "--url", whep.ToString(), .. DataOptions(seconds, label, rfc8832StreamIds),
            .. media ? Array.Empty<string>() : ["--no-media"]], commands: true);

    /// <summary>
    /// With <paramref name="rfc8832StreamIds"/> aiortc opens its channels on the stream ids of its DTLS role (even for
    /// the DTLS client, RFC 8832 §6) instead of aiortc 1.4's own choice by ICE role (odd, as the ICE controlling side
    /// it always is against an ICE-lite server), as aiortc's pending fix does.
    /// </summary>
    private static string[] DataOptions(int seconds, string label, bool rfc8832StreamIds) =>
        ["--seconds", $"{seconds}", "--label", label, "--commands", .. rfc8832StreamIds ? ["--rfc8832-stream-ids"] : Array.Empty<string>()];
}

/// <summary>The aiortc tests run alone: aiortc encodes and decodes in Python, and the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AiortcCollection
{
    public const string Name = "Aiortc";
}
