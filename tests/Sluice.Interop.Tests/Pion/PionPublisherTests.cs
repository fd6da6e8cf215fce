using Sluice.Interop.Tests.Support;
using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Pion;

/// <summary>
/// A Pion publisher for two minutes, watched by two Pion subscribers. Pion's ICE agent sends binding requests
/// only on a pair that has been idle, so a publisher whose media flows sends none: the node must keep it alive
/// on consent checks of its own (RFC 7675) and must not take the silence for a vanished peer.
/// </summary>
[Collection(PionCollection.Name)]
public sealed class PionPublisherTests(PionProgram pion)
{
    private const int Seconds = 120;

    /// <summary>Seconds a subscriber may take to connect and get its first keyframe.</summary>
    private const int SetupSeconds = 3;

    [PeerFact(PionProgram.Go, PionProgram.Package)]
    public async Task A_pion_publisher_stays_connected_for_two_minutes_and_two_pion_subscribers_get_video_and_audio_every_second()
    {
        var video = InteropMedia.Vp8Ivf();
        var audio = InteropMedia.OpusOgg();
        await pion.ExecutableAsync();
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "pion-two-minutes";

        await using var publisher = await pion.PublishAsync(new Uri(node.BaseUri, $"/whip/{stream}"), video, audio, Seconds + 5);
        await publisher.WaitForLineAsync(line => line == "pc_state=connected", TimeSpan.FromSeconds(20), "the Pion publisher to connect");
        // The subscribers outlive the seconds checked, so that the node still holds them when the last one is.
        await using var first = await pion.SubscribeAsync(new Uri(node.BaseUri, $"/whep/{stream}"), Seconds + 2);
        await using var second = await pion.SubscribeAsync(new Uri(node.BaseUri, $"/whep/{stream}"), Seconds + 2);
        PeerProcess[] subscribers = [first, second];
        string Report(string what) => $"""
            {what}
            The node's sessions:
            {sessions.Timeline}
            Pion publisher:
            {publisher.Tail(30)}
            Pion subscriber 1:
            {first.Tail(15)}
            Pion subscriber 2:
            {second.Tail(15)}
            """;

        var keyframes = new long[subscribers.Length];
        for (var s = 1; s <= Seconds; s++)
        {
            var lines = new PeerLine[subscribers.Length];
            for (var i = 0; i < subscribers.Length; i++)
            {
                lines[i] = PeerLine.Parse(await subscribers[i].WaitForLineAsync(line => PeerLine.IsSecond(line, s), TimeSpan.FromSeconds(10), $"subscriber {i + 1}'s line for second {s}"));
            }

            // The node's view, sampled as each second's lines arrive.
            var state = sessions.PublisherState(stream);
            Assert.True(state == TransportState.Connected, Report($"In second {s} the node's publisher session is {state?.ToString() ?? "gone"}."));
            var subscriberStates = sessions.SubscriberStates(stream);
            Assert.True(subscriberStates.Length == 2 && subscriberStates.All(x => x == TransportState.Connected),
                Report($"In second {s} the node's subscriber sessions are [{string.Join(", ", subscriberStates)}]."));
            var lost = publisher.Lines.FirstOrDefault(IsLostState);
            Assert.True(lost is null, Report($"By second {s} the Pion publisher reported {lost}."));
            if (s <= SetupSeconds)
            {
                continue;
            }

            for (var i = 0; i < subscribers.Length; i++)
            {
                Assert.True(lines[i]["state"] == "connected", Report($"Subscriber {i + 1} is not connected in second {s}: {lines[i]}"));
                Assert.True(lines[i].Number("video_packets") > 0, Report($"Subscriber {i + 1} received no video in second {s}: {lines[i]}"));
                Assert.True(lines[i].Number("audio_packets") > 0, Report($"Subscriber {i + 1} received no audio in second {s}: {lines[i]}"));
                keyframes[i] += lines[i].Number("keyframes");
            }
        }

        for (var i = 0; i < subscribers.Length; i++)
        {
            // The file has a keyframe every second, and the node forwards every one of them.
            Assert.True(keyframes[i] >= Seconds - SetupSeconds - 5, Report($"Subscriber {i + 1} saw only {keyframes[i]} keyframes in {Seconds - SetupSeconds} s."));
            await subscribers[i].WaitForLineAsync(line => line == "deleted=200", TimeSpan.FromSeconds(10), $"subscriber {i + 1}'s DELETE");
        }

        await publisher.WaitForLineAsync(line => line == "deleted=200", TimeSpan.FromSeconds(15), "the publisher's DELETE");
        Assert.Null(publisher.Lines.FirstOrDefault(IsLostState));
    }

    private static bool IsLostState(string line) =>
        line is "pc_state=disconnected" or "pc_state=failed" or "ice_state=disconnected" or "ice_state=failed"
        || line.StartsWith("error=", StringComparison.Ordinal) || line.StartsWith("send_error=", StringComparison.Ordinal);
}
