using System.Globalization;
using System.Text.RegularExpressions;
using Sluice.Interop.Tests.Support;

namespace Sluice.Interop.Tests.GStreamer;

/// <summary>
/// GStreamer 1.22 webrtcbin driven by <c>Peers/gstreamer/whip_whep.py</c> (Debian's Python, for python3-gi), as a
/// WHIP publisher or a WHEP player. Its output lines are events; a player prints one <c>stats</c> line a second.
/// </summary>
internal static partial class GStreamerPeer
{
    /// <summary>What the test's <c>PeerFact</c> checks: gstreamer1.0-tools comes with the other GStreamer packages.</summary>
    public const string Program = "/usr/bin/gst-launch-1.0";

    public const string Package = "gstreamer1.0-tools";

    private const string Python = "/usr/bin/python3";

    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Peers", "gstreamer", "whip_whep.py");

    /// <summary>Starts a publisher of a live test picture (640x360, 30 fps) and a sine tone.</summary>
    public static PeerProcess Publish(Uri whip, string video, bool dataChannel = false, int seconds = 30)
    {
        List<string> args = ["publish", whip.ToString(), "--video", video, "--seconds", Seconds(seconds)];
        if (dataChannel)
        {
            args.Add("--data-channel");
        }

        return Start(args);
    }

    /// <summary>
    /// A publisher (live picture and tone) with a data channel labelled <paramref name="label"/> that takes <c>burst</c>
    /// and <c>send</c> commands (<see cref="PeerProcess.SendLineAsync"/>).
    /// </summary>
    public static PeerProcess PublishData(Uri whip, int seconds, string label = "chat") =>
        Start(["publish", whip.ToString(), "--video", "vp8", "--seconds", Seconds(seconds), "--data-channel", "--label", label, "--commands"], commands: true);

    /// <summary>A player with a data channel labelled <paramref name="label"/>: it prints every message it receives and takes <c>send</c> commands.</summary>
    public static PeerProcess PlayData(Uri whep, int seconds, string label = "chat") =>
        Start(["play", whep.ToString(), "--seconds", Seconds(seconds), "--data-channel", "--label", label, "--commands"], commands: true);

    /// <summary>Starts a player that decodes what it receives and prints the frames decoded each second.</summary>
    public static PeerProcess Play(Uri whep, int seconds, params string[] extra) =>
        Start(["play", whep.ToString(), "--seconds", Seconds(seconds), .. extra]);

    public static Task WaitConnectedAsync(PeerProcess peer, string what) =>
        peer.WaitForLineAsync(line => line == "connection-state connected", TimeSpan.FromSeconds(15), what + " connected");

    /// <summary>The player's per-second counts, in order.</summary>
    public static IReadOnlyList<Second> Stats(PeerProcess player)
    {
        var seconds = new List<Second>();
        foreach (var line in player.Lines)
        {
            if (StatsLine().Match(line) is { Success: true } m)
            {
                seconds.Add(new Second(
                    int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
        }

        return seconds;
    }

    /// <summary>
    /// Asserts ≥ <paramref name="minimumFps"/> decoded frames a second on average over <paramref name="window"/>
    /// whole seconds after the first decoded frame (its partial second left out), with no second without a
    /// frame, and audio decoded in every one of them.
    /// </summary>
    public static void AssertSmooth(PeerProcess player, int window, int minimumFps, params PeerProcess[] others)
    {
        var stats = Stats(player);
        var first = -1;
        for (var i = 0; i < stats.Count; i++)
        {
            if (stats[i].VideoFrames > 0)
            {
                first = i;
                break;
            }
        }

        var measured = first < 0 ? [] : stats.Skip(first + 1).Take(window).ToList();
        var summary = string.Join(' ', stats.Select(s => $"{s.VideoFrames}/{s.AudioBuffers}"));
        var context = $"video frames/audio buffers per second: [{summary}]\n{Tails([player, .. others])}";
        Assert.True(measured.Count == window, $"wanted {window} whole seconds of decoding after the first frame, got {measured.Count}; {context}");
        var frames = measured.Sum(s => s.VideoFrames);
        Assert.True(frames >= minimumFps * window, $"decoded {frames} frames in {window} s, wanted at least {minimumFps * window}; {context}");
        Assert.True(measured.All(s => s.VideoFrames > 0), $"a second without a decoded frame (a stall); {context}");
        Assert.True(measured.All(s => s.AudioBuffers > 0), $"a second without decoded audio; {context}");
    }

    /// <summary>The output tails of the peers, for failure messages.</summary>
    public static string Tails(params PeerProcess[] peers) =>
        string.Join('\n', peers.Select(p => $"--- {p.Name} (last 60 lines) ---\n{p.Tail(60)}"));

    private static string Seconds(int seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    private static PeerProcess Start(IEnumerable<string> args, bool commands = false) =>
        PeerProcess.Start(Python, [Script, .. args], new Dictionary<string, string>
        {
            // Warnings from the elements this test relies on (and webrtcbin's SCTP: sctpenc, sctpdec, its data
            // channels), into the output tail of a failure.
            ["GST_DEBUG"] = "webrtcbin:3,dtlstransport:3,nicesrc:3,srtpdec:3,rtpbin:3,sctpenc:3,sctpdec:3,webrtcdatachannel:3,sctpassociation:3",
            ["GST_DEBUG_NO_COLOR"] = "1",
            ["PYTHONUNBUFFERED"] = "1",
        }, commands: commands);

    [GeneratedRegex(@"^stats second=(\d+) video_frames=(\d+) audio_buffers=(\d+)$")]
    private static partial Regex StatsLine();

    public readonly record struct Second(int Index, int VideoFrames, int AudioBuffers);
}
