using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;
using Sluice.Sfu.Sessions;
using Sluice.Testing;

namespace Sluice.Server.Tests.Data;

/// <summary>
/// Our own stack on both ends over real UDP: <c>sluice-cli whip --data-in</c> publishes lines on a data channel,
/// <c>sluice-cli whep --data-out</c> saves what the node forwards. 5 % of the node's outgoing DTLS application
/// data (SCTP toward the subscriber, and the SACKs toward the publisher) is dropped at its socket: the ordered
/// reliable channel still delivers every line, in order, through SCTP retransmission.
/// </summary>
public sealed class CliDataChannelTests
{
    private const int Lines = 2000;

    [Fact]
    public async Task Every_line_reaches_the_subscriber_in_order_through_five_percent_loss()
    {
        var directory = TestMedia.TempDirectory();
        var input = Path.Combine(directory, "lines.txt");
        var output = Path.Combine(directory, "received.jsonl");
        var random = new Random(8831);
        var lines = new List<string>();
        for (var i = 0; i < Lines; i++)
        {
            // Mostly short lines, some longer than one SCTP packet (fragmented and reassembled).
            var filler = new string((char)('a' + (i % 26)), i % 100 == 0 ? 3000 : random.Next(0, 200));
            lines.Add($"{i} température {filler}");
        }

        await File.WriteAllLinesAsync(input, lines, new UTF8Encoding(false));
        await using var node = await TestNode.StartAsync();

        var subscribing = Support.Cli.RunAsync("whep", new Uri(node.BaseUri, "/whep/data").ToString(), "--data-out", output, "--duration", "12");
        SubscriberSession? subscriber = null;
        await Poll.Until(() => node.Node.TryGetStream("data", out var s) && (subscriber = s!.Subscribers.FirstOrDefault()) is not null
            && subscriber.Data is { IsEstablished: true }, "the subscriber's data channel association");

        var dropped = 0;
        var dice = new Random(4960);
        node.Node.Mux.SendFilter = (datagram, _) =>
        {
            // DTLS application data records (content type 23) carry SCTP; handshakes, STUN and media pass.
            if (datagram.Length == 0 || datagram[0] != 23)
            {
                return true;
            }

            lock (dice)
            {
                if (dice.NextDouble() >= 0.05)
                {
                    return true;
                }

                dropped++;
                return false;
            }
        };

        var (published, publishOutput) = await Support.Cli.RunAsync("whip", new Uri(node.BaseUri, "/whip/data").ToString(), "--data-in", input, "--label", "lines");
        Assert.True(published == 0, publishOutput);

        var (subscribed, subscribeOutput) = await subscribing;
        Assert.True(subscribed == 0, subscribeOutput);

        var received = File.ReadLines(output).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.True(received.Count == Lines, $"{received.Count} of {Lines} lines saved; dropped {dropped}; publisher: {publishOutput}; subscriber: {subscribeOutput}");
        for (var i = 0; i < Lines; i++)
        {
            Assert.Equal("lines", received[i].GetProperty("label").GetString());
            Assert.True(lines[i] == received[i].GetProperty("text").GetString(), $"line {i} differs or is out of order");
        }

        var association = subscriber!.Data!.Endpoint.Association.Stats;
        Assert.True(dropped >= 20, $"only {dropped} datagrams were dropped: the link was not lossy");
        Assert.True(association.Retransmissions > 0, "the node retransmitted nothing toward the subscriber");
        Assert.Equal(0, subscriber.Data.Endpoint.Dropped);
    }
}
