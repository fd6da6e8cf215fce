using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Interop.Tests.Support;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Aiortc;

/// <summary>
/// live777's cascade against a WHEP server we did not write: the node pulls a stream from aiortc serving a file
/// over WHEP (full ICE on aiortc's side, which answers the node's offer and picks the DTLS role), becomes the
/// stream's publisher, and a player on the node receives it; deleting the cascade DELETEs aiortc's session.
/// </summary>
[Collection(AiortcCollection.Name)]
public sealed class AiortcCascadeTests
{
    [PeerFact(AiortcPeer.Python, AiortcPeer.Package)]
    public async Task A_node_pulls_a_stream_from_an_aiortc_whep_server_and_a_player_receives_it()
    {
        await using var server = AiortcPeer.Serve(InteropMedia.Webm(), 40);
        var listening = await server.WaitForLineAsync(line => line.StartsWith("listening port=", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "aiortc's WHEP server");
        var source = $"http://127.0.0.1:{listening["listening port=".Length..]}/whep/cam";
        await using var node = await TestNode.StartAsync();

        using var created = await node.Http.PostAsJsonAsync("/api/cascade/cam", new { sourceUrl = source });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body + "\n" + server.Tail(20));
        var sessionId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        await server.WaitForLineAsync(line => line.EndsWith("state=connected", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "aiortc's session to connect");

        // A player on the node gets aiortc's video and audio.
        await using var player = SluiceCli.Whep(new Uri(node.BaseUri, "/whep/cam"), 4);
        Assert.Equal(0, await player.Exited.WaitAsync(TimeSpan.FromSeconds(30)));
        var output = player.Output;
        var received = System.Text.RegularExpressions.Regex.Match(output, @"received (\d+) packets");
        Assert.True(received.Success && int.Parse(received.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 100, output + "\n" + server.Tail(20));

        using var deleted = await node.Http.DeleteAsync($"/api/streams/cam/sessions/{sessionId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await server.WaitForLineAsync(line => line.StartsWith("deleted session=", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the cascade's DELETE at aiortc");
    }
}
