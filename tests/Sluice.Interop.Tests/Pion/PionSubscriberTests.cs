using Sluice.Interop.Tests.Support;
using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;

namespace Sluice.Interop.Tests.Pion;

/// <summary>Pion as a WHEP subscriber: it negotiates with the node's answer and receives the stream, keyframes included.</summary>
[Collection(PionCollection.Name)]
public sealed class PionSubscriberTests(PionProgram pion)
{
    private const int Seconds = 15;
    private const int SetupSeconds = 3;

    // The subscriber outlives the last checked second: its DELETE must not race the node's state read for it.
    private const int OutliveSeconds = 2;

    [PeerFact(PionProgram.Go, PionProgram.Package)]
    public async Task B_pion_subscriber_receives_video_and_audio_every_second_from_a_sluice_cli_publisher()
    {
        var video = InteropMedia.Vp8Ivf();
        var audio = InteropMedia.OpusOgg();
        await pion.ExecutableAsync();
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "cli-to-pion";

        await using var publisher = SluiceCli.WhipLoop(new Uri(node.BaseUri, $"/whip/{stream}"), video, audio);
        await publisher.WaitForLineAsync(line => line.StartsWith("connected from", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "sluice-cli whip to connect");
        await using var subscriber = await pion.SubscribeAsync(new Uri(node.BaseUri, $"/whep/{stream}"), Seconds + OutliveSeconds);
        string Report(string what) => $"""
            {what}
            The node's sessions:
            {sessions.Timeline}
            sluice-cli whip:
            {publisher.Tail(10)}
            Pion subscriber:
            {subscriber.Tail(30)}
            """;

        await subscriber.WaitForLineAsync(line => line.StartsWith("track=video codec=video/VP8", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "Pion's VP8 track");
        await subscriber.WaitForLineAsync(line => line.StartsWith("track=audio codec=audio/opus", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "Pion's Opus track");
        long keyframes = 0, frames = 0;
        for (var s = 1; s <= Seconds; s++)
        {
            var line = PeerLine.Parse(await subscriber.WaitForLineAsync(l => PeerLine.IsSecond(l, s), TimeSpan.FromSeconds(10), $"the line for second {s}"));
            keyframes += line.Number("keyframes");
            frames += line.Number("video_frames");
            if (s <= SetupSeconds)
            {
                continue;
            }

            Assert.True(line["state"] == "connected", Report($"Not connected in second {s}: {line}"));
            var state = sessions.SubscriberStates(stream).SingleOrDefault();
            Assert.True(state == TransportState.Connected, Report($"In second {s} the node's subscriber session is {state}."));
            Assert.True(line.Number("video_packets") > 0, Report($"No video in second {s}: {line}"));
            Assert.True(line.Number("audio_packets") > 0, Report($"No audio in second {s}: {line}"));
        }

        // The subscriber starts at a keyframe and gets one a second after that (the file's GOP is 30 frames at 30 fps).
        Assert.True(keyframes >= Seconds - SetupSeconds, Report($"Only {keyframes} keyframes in {Seconds} s."));
        Assert.True(frames >= 20 * (Seconds - SetupSeconds), Report($"Only {frames} complete frames (RTP marker bits) in {Seconds} s."));
        await subscriber.WaitForLineAsync(line => line == "deleted=200", TimeSpan.FromSeconds(10), "the subscriber's DELETE");
        Assert.Equal(0, await subscriber.Exited.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(sessions.SubscriberCount(stream) == 0, Report("The node still holds the subscriber's session after its DELETE answered 200."));
    }

    [PeerFact(PionProgram.Go, PionProgram.Package)]
    public async Task B_pion_subscriber_receives_a_pion_publisher()
    {
        var video = InteropMedia.Vp8Ivf();
        var audio = InteropMedia.OpusOgg();
        await pion.ExecutableAsync();
        await using var node = await TestNode.StartAsync();
        using var sessions = new NodeSessions(node);
        const string stream = "pion-to-pion";

        // The subscriber arrives first and waits in the stream for the publisher.
        await using var subscriber = await pion.SubscribeAsync(new Uri(node.BaseUri, $"/whep/{stream}"), Seconds + OutliveSeconds);
        await subscriber.WaitForLineAsync(line => line == "pc_state=connected", TimeSpan.FromSeconds(20), "the Pion subscriber to connect");
        await using var publisher = await pion.PublishAsync(new Uri(node.BaseUri, $"/whip/{stream}"), video, audio, Seconds + 5);
        var joined = PeerLine.Parse(await subscriber.WaitForLineAsync(line => line.StartsWith("second=", StringComparison.Ordinal) && line.Contains(" keyframes=", StringComparison.Ordinal) && !line.Contains(" keyframes=0 ", StringComparison.Ordinal), TimeSpan.FromSeconds(Seconds), "the first keyframe"));
        string Report(string what) => $"""
            {what}
            The node's sessions:
            {sessions.Timeline}
            Pion publisher:
            {publisher.Tail(15)}
            Pion subscriber:
            {subscriber.Tail(30)}
            """;

        // From the second after the first keyframe to the subscriber's end, video and audio every second.
        for (var s = (int)joined.Number("second") + 1; s <= Seconds; s++)
        {
            var line = PeerLine.Parse(await subscriber.WaitForLineAsync(l => PeerLine.IsSecond(l, s), TimeSpan.FromSeconds(10), $"the line for second {s}"));
            Assert.True(line.Number("video_packets") > 0, Report($"No video in second {s}: {line}"));
            Assert.True(line.Number("audio_packets") > 0, Report($"No audio in second {s}: {line}"));
            var states = (Publisher: sessions.PublisherState(stream), Subscriber: sessions.SubscriberStates(stream).SingleOrDefault());
            Assert.True(states == (TransportState.Connected, TransportState.Connected), Report($"In second {s} the node's sessions are {states}."));
        }

        Assert.True(joined.Number("second") <= Seconds - 8, Report($"The first keyframe came only in second {joined["second"]}."));
        Assert.DoesNotContain(publisher.Lines, line => line is "pc_state=failed" or "pc_state=disconnected");
    }
}
