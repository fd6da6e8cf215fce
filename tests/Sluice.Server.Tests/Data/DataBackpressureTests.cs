using System.Text;
using Sluice.Server.Tests.Support;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Tests.Data;

/// <summary>
/// A subscriber that stops reading (here: nothing from the node reaches it any more, so it acknowledges nothing)
/// while the publisher sends 50 MB: once the subscriber counts as stalled (2 s without an acknowledgement) the
/// node holds at most its per-channel buffer for it, drops and counts the rest, and its memory stays flat.
/// </summary>
public sealed class DataBackpressureTests
{
    [Fact]
    public async Task Fifty_megabytes_to_a_subscriber_that_stopped_reading_are_dropped_past_its_buffer_and_memory_stays_flat()
    {
        var directory = TestMedia.TempDirectory();
        var input = Path.Combine(directory, "fifty-megabytes.txt");
        var line = new string('x', 999);
        await using (var writer = new StreamWriter(input, append: false, new UTF8Encoding(false)))
        {
            for (var i = 0; i < 50_000; i++)
            {
                await writer.WriteLineAsync(line);
            }
        }

        await using var node = await TestNode.StartAsync();
        var subscribing = Support.Cli.RunAsync("whep", new Uri(node.BaseUri, "/whep/flood").ToString(), "--data-out", Path.Combine(directory, "out.jsonl"), "--duration", "15");
        SubscriberSession? subscriber = null;
        await Poll.Until(() => node.Node.TryGetStream("flood", out var s) && (subscriber = s!.Subscribers.FirstOrDefault()) is not null
            && subscriber.Data is { IsEstablished: true }, "the subscriber's data channel association");
        var subscriberAddress = subscriber!.RemoteEndPoint!.Serialize();
        node.Node.Mux.SendFilter = (datagram, to) => datagram.Length == 0 || datagram[0] != 23 || !to.Equals(subscriberAddress);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var (published, publishOutput) = await Support.Cli.RunAsync("whip", new Uri(node.BaseUri, "/whip/flood").ToString(), "--data-in", input, "--label", "flood");
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(published == 0, publishOutput);

        var data = subscriber.Data!;
        var channel = Assert.Single(data.Channels, c => c.Label == "flood");
        Assert.True(channel.MessagesSent + channel.Dropped == 50_000, $"{channel.MessagesSent} sent and {channel.Dropped} dropped toward the subscriber: not the 50,000 the publisher sent");
        Assert.True(channel.Dropped > 40_000, $"only {channel.Dropped} of 50,000 messages were dropped toward the subscriber that stopped reading");
        // The buffer, plus at most the one message that found it full while the subscriber still counted as reading
        // (then the publisher is paused until the subscriber drains, or is found stalled and dropped for).
        Assert.True(channel.BufferedAmount <= (1024 * 1024) + line.Length + 1, $"{channel.BufferedAmount} bytes held for the subscriber, more than its 1 MiB buffer and one message");
        Assert.True(after - before < 32 * 1024 * 1024, $"the node's managed heap grew by {(after - before) / 1024 / 1024} MB while 50 MB passed through");
        node.Node.Mux.SendFilter = null;
        await subscribing;
    }
}
