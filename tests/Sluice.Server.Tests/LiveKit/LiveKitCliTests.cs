using System.Text.Json;
using Sluice.Cli.Commands;
using Sluice.LiveKit;
using Sluice.Server.Tests.Interop;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.LiveKit;

/// <summary>
/// <c>sluice-cli</c> speaking LiveKit's protocol: <c>join</c> publishes an IVF and an Ogg file into a room, where a
/// livekit-client participant in Chromium decodes them, and <c>join --subscribe</c> receives both; the room-service
/// commands and <c>token</c> against the node.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class LiveKitCliTests
{
    [ChromiumFact]
    public async Task The_cli_joins_with_files_a_livekit_client_decodes_them_and_the_room_service_commands_see_the_room()
    {
        await using var node = await TestNode.StartAsync(LiveKitTab.MapPage, "--dev");
        await using var chromium = await Chromium.StartAsync();
        var url = node.BaseUri.ToString().TrimEnd('/');
        var (exit, output) = await Support.Cli.RunAsync("create-room", url, "--room", "files", "--empty-timeout", "60");
        Assert.True(exit == 0, output);
        Assert.Equal("files", JsonDocument.Parse(output).RootElement.GetProperty("name").GetString());

        var bob = await LiveKitTab.OpenAsync(chromium.Browser, node.BaseUri);
        await bob.JoinAsync(node.BaseUri, "files", "bob");
        await bob.PublishAsync();
        var join = Support.Cli.RunAsync("join", url, "--room", "files", "--identity", "cli", "--video", TestMedia.Video("VP8"), "--audio", TestMedia.Opus(),
            "--loop", "--duration", "10");
        await bob.WaitAsync(r => r.Any(t => t.Identity == "cli" && t.Kind == "video" && t.FramesDecoded >= 30 && t.Width == 320)
            && r.Any(t => t.Identity == "cli" && t.Kind == "audio" && t.Packets >= 50), "bob decoding the CLI's files", seconds: 15);
        Assert.Contains("subscribed cli video", await bob.LogAsync());

        (exit, output) = await Support.Cli.RunAsync("list-participants", url, "--room", "files");
        Assert.True(exit == 0, output);
        var identities = JsonDocument.Parse(output).RootElement.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("identity").GetString());
        Assert.Equal(["bob", "cli"], identities.Order());
        (exit, output) = await Support.Cli.RunAsync("list-rooms", url);
        Assert.Contains(JsonDocument.Parse(output).RootElement.GetProperty("rooms").EnumerateArray(), r => r.GetProperty("name").GetString() == "files");

        // Another CLI only receives (--subscribe): it answers the node's subscriber offers and counts packets from both.
        (exit, output) = await Support.Cli.RunAsync("join", url, "--room", "files", "--identity", "watcher", "--subscribe", "--duration", "4");
        Assert.True(exit == 0, output);
        Assert.Contains("subscriber connection up", output, StringComparison.Ordinal);
        foreach (var publisher in new[] { "bob", "cli" })
        {
            var received = System.Text.RegularExpressions.Regex.Match(output, $@"received from {publisher}: (\d+) packets \((\d+) video\)");
            Assert.True(received.Success, output);
            Assert.True(long.Parse(received.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 30
                && long.Parse(received.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(received.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), output);
        }

        (exit, output) = await join;
        Assert.True(exit == 0, output);
        Assert.Matches(@"joined room files as cli \(PA_\w+\)", output);
        Assert.Matches(@"track video-\w+: TR_\w+", output);
        Assert.Matches(@"published \d+ packets", output);
        await bob.WaitForLogAsync(log => log.Contains("disconnected cli"), "bob seeing the CLI leave");

        (exit, output) = await Support.Cli.RunAsync("remove-participant", url, "--room", "files", "--identity", "bob");
        Assert.True(exit == 0, output);
        await bob.WaitForLogAsync(log => log.Any(l => l.StartsWith("left ", StringComparison.Ordinal)), "bob removed");
        (exit, output) = await Support.Cli.RunAsync("remove-participant", url, "--room", "files", "--identity", "nobody");
        Assert.Equal(1, exit);
        Assert.Contains("not_found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_command_mints_a_livekit_token_the_node_accepts_with_the_grants_asked_for()
    {
        var (exit, output) = await Support.Cli.RunAsync("token", "--api-key", "devkey", "--api-secret", "secret", "--room", "r", "--identity", "ann",
            "--grants", "roomAdmin", "canPublish=false");
        Assert.True(exit == 0, output);
        var claims = AccessToken.Validate(output.Trim(), key => key == "devkey" ? "secret" : null, DateTimeOffset.UtcNow, out var error);
        Assert.True(claims is not null, error);
        Assert.Equal(("devkey", "ann", "r"), (claims.ApiKey, claims.Identity, claims.Video.Room));
        Assert.True(claims.Video.RoomJoin && claims.Video.RoomAdmin);
        Assert.False(claims.Video.MayPublish);
        Assert.True(claims.Video.MaySubscribe);

        static string Errors(params string[] args) =>
            string.Join("; ", CliCommands.Create(new CliEnvironment(TextWriter.Null, TextWriter.Null, () => new HttpClient())).Parse(args).Errors.Select(e => e.Message));
        Assert.Contains("'sudo' is not one of", Errors("token", "--api-key", "devkey", "--api-secret", "secret", "--identity", "ann", "--grants", "sudo"), StringComparison.Ordinal);
        Assert.Contains("--api-key", Errors("token", "--stream", "s"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_join_burst_of_livekit_clients_all_come_to_know_each_other()
    {
        await using var node = await TestNode.StartAsync("--dev");
        var (exit, output) = await Support.Cli.RunAsync("livekit-load", node.BaseUri.ToString().TrimEnd('/'), "--room", "burst", "--participants", "12");
        Assert.True(exit == 0, output);
        Assert.Contains("12 LiveKit clients joined room burst: 12 got a join response, 12 came to know all 11 others", output, StringComparison.Ordinal);
        Assert.Matches(@"join response after \d+ ms \(p50\)", output);
        await Poll.Until(() => !node.Node.TryGetRoom(Sluice.Sfu.RoomId.Conference("burst"), out _) || node.App.Services.GetService(typeof(Sluice.Server.LiveKit.LiveKitRooms)) is Sluice.Server.LiveKit.LiveKitRooms rooms && rooms.Connections("burst").IsEmpty,
            "the clients to leave");
    }
}
