using System.Buffers.Binary;
using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Forwarding;

/// <summary>
/// Sessions come and go without disturbing each other: a subscriber that vanishes is cleaned up after the
/// consent timeout; a publisher that vanishes leaves its subscribers connected, and the next publisher
/// (other SSRCs) reaches them with no reconnect, their sequence numbers running on without a gap.
/// </summary>
public sealed class SessionLifetimeTests
{
    [Fact]
    public async Task A_vanished_subscriber_is_cleaned_up_after_the_consent_timeout_and_the_others_keep_receiving()
    {
        // Well above our client's consent interval (2.5 s ±20 %), so only the peer that vanished times out.
        await using var node = await TestNode.StartAsync("--ConsentTimeoutSeconds", "6");
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/vanish"), ssrc: 0x1000);
        using var staying = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/vanish"));
        using var vanishing = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/vanish"));
        Assert.True(node.Node.TryGetStream("vanish", out var stream));
        await Poll.Until(() => stream!.VideoSinks() == 2, "both subscribers to be attached");

        vanishing.Vanish();
        var frames = 0;
        while (stream!.Subscribers.Length == 2)
        {
            Assert.True(frames < 450, "the vanished subscriber was never cleaned up");
            publisher.SendFrame(keyframe: frames == 0);
            frames++;
            await Task.Delay(33);
        }

        Assert.Equal(staying.Mux.LocalEndPoint, Assert.Single(stream.Subscribers).Transport.RemoteEndPoint);
        Assert.Equal(TransportState.Connected, staying.Transport.State);
        var before = staying.Received.Count;
        for (var i = 0; i < 10; i++)
        {
            publisher.SendFrame(keyframe: false);
        }

        await Poll.Until(() => staying.Received.Count >= before + 30, "media after the cleanup");
    }

    [Fact]
    public async Task A_publisher_that_vanishes_and_another_that_comes_reach_the_subscriber_that_stayed()
    {
        // Well above our client's consent interval (2.5 s ±20 %), so only the peer that vanished times out.
        await using var node = await TestNode.StartAsync("--ConsentTimeoutSeconds", "6");
        using var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/relay"));
        var first = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/relay"), ssrc: 0xAAAA);
        Assert.True(node.Node.TryGetStream("relay", out var stream));
        await Poll.Until(() => stream!.HasVideoSource() && stream!.VideoSinks() == 1, "the first publisher to feed the subscriber");

        // Inter frames before any keyframe are held back: the subscriber starts at a keyframe.
        first.SendFrame(keyframe: false);
        for (var i = 0; i < 20; i++)
        {
            first.SendFrame(keyframe: i == 0);
        }

        await Poll.Until(() => subscriber.Received.Count == 60, "the first publisher's 20 frames");

        first.Vanish();
        await Poll.Until(() => stream!.Publisher is null, "the vanished publisher to be cleaned up", timeoutSeconds: 15);
        Assert.Equal(TransportState.Connected, subscriber.Transport.State);
        Assert.Single(stream!.Subscribers);

        using var second = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/relay"), ssrc: 0xBBBB);
        await Poll.Until(() => stream!.HasVideoSource(), "the second publisher to feed the slot");
        for (var i = 0; i < 20; i++)
        {
            second.SendFrame(keyframe: i == 0);
        }

        await Poll.Until(() => subscriber.Received.Count == 120, "the second publisher's 20 frames");
        var packets = subscriber.Received.ToArray();
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packets[0].AsSpan(8));
        for (var i = 1; i < packets.Length; i++)
        {
            // One SSRC, one unbroken sequence, timestamps moving forward: to the subscriber it is one stream.
            Assert.Equal(ssrc, BinaryPrimitives.ReadUInt32BigEndian(packets[i].AsSpan(8)));
            Assert.Equal((ushort)(Seq(packets[i - 1]) + 1), Seq(packets[i]));
            Assert.True((int)(Timestamp(packets[i]) - Timestamp(packets[i - 1])) >= 0, $"timestamp went back at packet {i}");
        }

        Assert.True(Timestamp(packets[60]) != Timestamp(packets[59]), "the second publisher's first frame shares the last frame's timestamp");
        first.Dispose();
    }

    [Fact]
    public async Task Subscribers_ending_while_media_flows_to_them_disturb_nobody()
    {
        await using var node = await TestNode.StartAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/churn"), ssrc: 0xC0DE);
        using var staying = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/churn"));
        Assert.True(node.Node.TryGetStream("churn", out var stream));
        using var sending = new CancellationTokenSource();

        // Media flows without pause while sessions end: a fan-out in progress meets transports being disposed.
        var frames = Task.Run(async () =>
        {
            for (var i = 0; !sending.IsCancellationRequested; i++)
            {
                publisher.SendFrame(keyframe: i % 30 == 0, packets: 5);
                if (i % 4 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });
        for (var round = 0; round < 8; round++)
        {
            var leaving = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
                RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/churn"))));
            await Poll.Until(() => stream!.VideoSinks() == 11, "ten more subscribers to attach");
            await Task.WhenAll(leaving.Select(client => node.Http.DeleteAsync(client.Location)));
            foreach (var client in leaving)
            {
                client.Dispose();
            }
        }

        var before = staying.Received.Count;
        await Poll.Until(() => staying.Received.Count > before + 100, "media to the subscriber that stayed");
        await sending.CancelAsync();
        await frames;
        Assert.Equal(0, node.Node.Mux.Stats.HandlerErrors);
        Assert.Single(stream!.Subscribers);
    }

    private static ushort Seq(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));

    private static uint Timestamp(byte[] packet) => BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4));
}
