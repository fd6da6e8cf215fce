using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Interop.Tests.Firefox;

/// <summary>
/// Debian's Firefox ESR driven over WebDriver BiDi by <c>Peers/firefox/peer.mjs</c> (npm puppeteer-core). The
/// script runs from its source folder, where <c>npm ci</c> (run by .ci/run) installed its node_modules; the page
/// it drives is served by the node under test, on 127.0.0.1, so getUserMedia has its secure context.
/// </summary>
internal static class FirefoxPeer
{
    public const string Program = "/usr/bin/firefox-esr";

    public const string Package = "firefox-esr";

    public const string PagePath = "/__test/firefox.html";

    private const string Node = "/usr/bin/node";

    /// <summary>
    /// A node that also serves the Firefox page (copied to the output folder) at <see cref="PagePath"/>, with the
    /// relay's candidate rewrite (<see cref="RateLimitedUdpRelay.CandidateRewriteJs"/>) for players behind one.
    /// </summary>
    public static Task<TestNode> StartNodeAsync()
    {
        var html = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Peers", "firefox", "page.html"))
            + "<script>\n" + RateLimitedUdpRelay.CandidateRewriteJs + "\n</script>\n";
        return TestNode.StartAsync(app => app.MapGet(PagePath, () => Results.Content(html, "text/html; charset=utf-8")));
    }

    /// <summary>
    /// Starts Firefox with an optional WHIP publisher tab (sending VP8 simulcast when <paramref name="simulcast"/>) and
    /// <paramref name="players"/> WHEP player tabs (reaching the node through <paramref name="relay"/> when given).
    /// </summary>
    public static PeerProcess Start(TestNode node, string? whipStream, string whepStream, int players, int seconds, bool simulcast = false,
        IPEndPoint? relay = null)
    {
        var folder = ScriptFolder();
        var args = Arguments(folder, node, whipStream, whepStream, players, seconds);
        if (simulcast)
        {
            args.Add("--simulcast");
        }

        if (relay is not null)
        {
            args.AddRange(["--relay", relay.ToString()]);
        }

        return PeerProcess.Start(Node, args, workingDirectory: folder);
    }

    /// <summary>
    /// Starts Firefox with a WHIP publisher tab (when <paramref name="whipStream"/> is set) whose offer has a data
    /// channel labelled <paramref name="publisherLabel"/>, and one WHEP player tab per item of
    /// <paramref name="playerLabels"/> with a channel of that label (none for null), in Firefox or in Chromium
    /// (<paramref name="chromiumPlayers"/>). It takes commands per tab (<see cref="DataPeer"/>).
    /// </summary>
    public static PeerProcess StartData(TestNode node, string? whipStream, string? publisherLabel, string whepStream, string?[] playerLabels,
        bool chromiumPlayers = false, int seconds = 180)
    {
        var folder = ScriptFolder();
        var args = Arguments(folder, node, whipStream, whepStream, playerLabels.Length, seconds);
        args.AddRange(["--commands", "--player-labels", string.Join(',', playerLabels.Select(l => l ?? string.Empty))]);
        if (publisherLabel is not null)
        {
            args.AddRange(["--data", publisherLabel]);
        }

        if (chromiumPlayers)
        {
            args.AddRange(["--player-browser", "chromium", "--chromium", Sluice.Testing.Chromium.ExecutablePath]);
        }

        return PeerProcess.Start(Node, args, workingDirectory: folder, commands: true);
    }

    /// <summary>The script's arguments for joining <paramref name="room"/> as <paramref name="name"/> on the node's room page.</summary>
    public static IEnumerable<string> RoomArguments(TestNode node, string room, string name, int seconds) =>
    [
        Path.Combine(Folder, "peer.mjs"),
        "--room-page", new Uri(node.BaseUri, $"/room.html?room={room}&name={name}").ToString(),
        "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
        "--executable", Program,
    ];

    /// <summary>The folder the script runs from (its node_modules beside it).</summary>
    public static string Folder => ScriptFolder();

    private static List<string> Arguments(string folder, TestNode node, string? whipStream, string whepStream, int players, int seconds)
    {
        List<string> args =
        [
            Path.Combine(folder, "peer.mjs"),
            "--page", new Uri(node.BaseUri, PagePath).ToString(),
            "--whep", new Uri(node.BaseUri, "/whep/" + whepStream).ToString(),
            "--players", players.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
            "--executable", Program,
        ];
        if (whipStream is not null)
        {
            args.AddRange(["--whip", new Uri(node.BaseUri, "/whip/" + whipStream).ToString()]);
        }

        return args;
    }

    /// <summary>The <c>stats</c> lines of one tab, in order.</summary>
    public static IReadOnlyList<JsonElement> Stats(PeerProcess firefox, string tab)
    {
        var prefix = "stats " + tab + " ";
        return [.. firefox.Lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[prefix.Length..]).RootElement.Clone())];
    }

    public static long Counter(JsonElement stats, string direction, string property) =>
        stats.TryGetProperty(direction, out var kind) && kind.TryGetProperty(property, out var value) ? value.GetInt64() : 0;

    /// <summary>
    /// The source folder of the script: up from the test's output folder to the repository (the one holding
    /// Sluice.slnx). Its node_modules must come from <c>npm ci</c>; a missing one fails with what to run.
    /// </summary>
    private static string ScriptFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
            {
                var folder = Path.Combine(dir.FullName, "tests", "Sluice.Interop.Tests", "Peers", "firefox");
                if (!Directory.Exists(Path.Combine(folder, "node_modules", "puppeteer-core")))
                {
                    throw new InvalidOperationException(
                        $"puppeteer-core is not installed in {folder}: run `PUPPETEER_SKIP_DOWNLOAD=1 npm ci` there (.ci/run does)");
                }

                return folder;
            }
        }

        throw new InvalidOperationException($"no Sluice.slnx above {AppContext.BaseDirectory}: the Firefox peer runs from the repository's source folder");
    }
}
