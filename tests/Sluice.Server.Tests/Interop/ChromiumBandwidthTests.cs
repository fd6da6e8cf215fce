using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Interop;

/// <summary>
/// A Chromium viewer on a thin link: Chromium publishes VP8 or H264 simulcast (q, h, f from a 1280x720 camera) with audio,
/// and a Chromium player reaches the node through a <see cref="RateLimitedUdpRelay"/> (the answer's candidate
/// points at the relay). At 400 kbit/s the node's estimate of the player's bandwidth, from the player's own
/// transport-cc feedback, brings it down to q and it keeps decoding; opened to 5 Mbit/s it climbs to f; below
/// 100 kbit/s its video pauses while its audio goes on, and video comes back when the link does.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumBandwidthTests(ITestOutputHelper log)
{
    private const string Page = """
        <!doctype html>
        <title>sluice bandwidth test</title>
        <script>
        """ + BrowserPages.SimulcastPublishJs + BrowserPages.ThinPlayerJs + RateLimitedUdpRelay.CandidateRewriteJs + """
        </script>
        """;

    [ChromiumTheory]
    [InlineData("VP8")]
    [InlineData("H264")]
    public async Task A_player_behind_a_thin_link_gets_the_layer_it_carries_climbs_when_it_opens_and_keeps_audio_when_video_pauses(string codec)
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync(cameraFps: 30);
        var page = await chromium.Browser.NewPageAsync();
        var url = new Uri(node.BaseUri, "/__test/bandwidth.html").ToString();
        await page.RouteAsync(url, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = Page }));
        await page.GotoAsync(url);
        await page.EvaluateAsync("([url, codec]) => window.publish(url, true, codec)", new object[] { "/whip/thin", codec });
        await Poll.Until(() => node.Node.TryGetStream("thin", out var s) && s!.FindTrack(MediaKind.Video) is { Encodings.Length: 3 } track
            && track.Encodings.Count(e => e.Bitrate > 0) == 3, "all three layers to flow", timeoutSeconds: 20);
        node.Node.TryGetStream("thin", out var stream);
        var track = stream!.FindTrack(MediaKind.Video)!;
        log.WriteLine("published: " + BandwidthReport.Rates(track));

        // Chromium's own estimate of the node climbs for a few seconds, and its upper layers with it: a player that
        // came now would see h and f cheaper than they are about to be.
        await Poll.Until(() => track.Encodings[1].Bitrate > 300_000 && track.Encodings[2].Bitrate > 600_000,
            () => "the publisher's h and f to reach their rates: " + BandwidthReport.Rates(track), timeoutSeconds: 20);
        log.WriteLine("ramped up: " + BandwidthReport.Rates(track));

        await using var relay = RateLimitedUdpRelay.Start(new IPEndPoint(IPAddress.Loopback, node.Node.MediaEndPoint.Port), downlinkBitsPerSecond: 400_000);
        await page.EvaluateAsync("([url, host, port]) => window.play(url, host, port)", new object[] { "/whep/thin", "127.0.0.1", relay.EndPoint.Port });
        var subscriber = stream.Subscribers.Single();
        var video = subscriber.Subscriptions.Single(s => s.Kind == MediaKind.Video);
        var audio = subscriber.Subscriptions.Single(s => s.Kind == MediaKind.Audio);
        await page.WaitForFunctionAsync("async () => (await window.stats()).decoded > 0", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 });

        // 400 kbit/s: down to q within 10 s of the first frame, then decoding on without a freeze longer than 1 s.
        var started = DateTime.UtcNow;
        await Poll.Until(() => video.ForwardedEncoding?.Rid == "q", () => "the 400 kbit/s player to get q: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 10);
        log.WriteLine($"400 kbit/s: on q {(DateTime.UtcNow - started).TotalSeconds:0.0} s after the first frame; {BandwidthReport.Describe(subscriber, relay, track)}");
        await page.WaitForFunctionAsync("async () => (await window.stats()).width === 320", null, new PageWaitForFunctionOptions { Timeout = 5_000, PollingInterval = 100 });

        // (What the relay dropped while the estimate came down is reported lost as later packets show the gaps.)
        await Task.Delay(TimeSpan.FromSeconds(2));
        var settled = await ThinPlayer.StatsAsync(page);
        var dropped = relay.PacketsDropped;
        var trace = new List<string>();
        var last = "";
        for (var tick = 0; tick < 80; tick++)
        {
            await Task.Delay(100);
            var now = $"{video.ForwardedEncoding?.Rid}{(video.PausedForBandwidth ? " paused" : "")} est {subscriber.Downlink.EstimatedBitrate / 1000}";
            if (now.Split(' ')[0] != last.Split(' ')[0] || tick % 10 == 0)
            {
                trace.Add($"{tick / 10.0:0.0}s {now}");
            }

            last = now;
        }

        log.WriteLine("trace: " + string.Join("; ", trace));
        var held = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"400 kbit/s for 8 s: {held.Decoded - settled.Decoded} frames decoded, {held.Freezes - settled.Freezes} freezes for {held.Frozen - settled.Frozen:0.00} s, "
            + $"{held.VideoLost - settled.VideoLost} of {held.VideoPackets - settled.VideoPackets} video packets lost, {relay.PacketsDropped - dropped} dropped by the relay; "
            + BandwidthReport.Describe(subscriber, relay, track));
        Assert.Equal("q", video.ForwardedEncoding?.Rid);
        Assert.True(held.Decoded - settled.Decoded > 8 * 10, $"only {held.Decoded - settled.Decoded} frames decoded in 8 s on q");
        Assert.True(held.Frozen - settled.Frozen < 1.0, $"frozen for {held.Frozen - settled.Frozen:0.00} s in 8 s on q");
        Assert.True(held.VideoLost - settled.VideoLost <= (held.VideoPackets - settled.VideoPackets) / 20, "more than 5% of q's packets lost on a link that carries q");

        if (codec == "VP8")
        {
            // 170 kbit/s: q whole (about 150 kbit/s) and the audio do not fit, q's lower temporal layers (Chromium sends
            // VP8 simulcast as L1T3) do: the player keeps decoding q at a lower frame rate instead of pausing. (From
            // q on 400 kbit/s: a gentle narrowing, as a link's usually is.)
            relay.DownlinkBitsPerSecond = 170_000;
            await Poll.Until(() => video.ForwardedEncoding?.Rid == "q" && video.TemporalLayer < 2,
                () => "the player to take fewer of q's temporal layers at 170 kbit/s: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
            await Task.Delay(1000);
            var thinner = await ThinPlayer.StatsAsync(page);
            await Task.Delay(TimeSpan.FromSeconds(4));
            var thinnerFor4 = await ThinPlayer.StatsAsync(page);
            log.WriteLine($"170 kbit/s for 4 s: {thinnerFor4.Decoded - thinner.Decoded} frames decoded, {thinnerFor4.Frozen - thinner.Frozen:0.00} s frozen; {BandwidthReport.Describe(subscriber, relay, track)}");
            Assert.False(video.PausedForBandwidth, "video paused at 170 kbit/s, where q's base layer fits");
            Assert.True(thinnerFor4.Decoded - thinner.Decoded >= 4 * 5, $"only {thinnerFor4.Decoded - thinner.Decoded} frames decoded in 4 s at 170 kbit/s");
            Assert.True(thinnerFor4.Frozen - thinner.Frozen < 1.0, $"frozen for {thinnerFor4.Frozen - thinner.Frozen:0.00} s in 4 s at 170 kbit/s");
            Assert.True(video.FramesDropped > 0);
        }

        // 5 Mbit/s: probes find the room and the player climbs to f within 15 s.
        relay.DownlinkBitsPerSecond = 5_000_000;
        var opened = DateTime.UtcNow;
        await Poll.Until(() => video.ForwardedEncoding?.Rid == "f", () => "the opened player to climb to f: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        await page.WaitForFunctionAsync("async () => (await window.stats()).width === 1280", null, new PageWaitForFunctionOptions { Timeout = 3_000, PollingInterval = 100 });
        log.WriteLine($"5 Mbit/s: on f {(DateTime.UtcNow - opened).TotalSeconds:0.0} s later; {BandwidthReport.Describe(subscriber, relay, track)}");

        // 80 kbit/s: no video layer fits; video pauses, audio goes on.
        relay.DownlinkBitsPerSecond = 80_000;
        var narrowed = DateTime.UtcNow;
        await Poll.Until(() => video.PausedForBandwidth, () => "video to pause at 80 kbit/s: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        log.WriteLine($"80 kbit/s: video paused {(DateTime.UtcNow - narrowed).TotalSeconds:0.0} s later; {BandwidthReport.Describe(subscriber, relay, track)}");
        await Task.Delay(1000);
        var pausedAt = await ThinPlayer.StatsAsync(page);
        var videoSent = video.PacketsSent;
        var audioSent = audio.PacketsSent;
        var resent = video.Retransmissions;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var pausedFor3 = await ThinPlayer.StatsAsync(page);
        log.WriteLine($"paused for 3 s: audio {pausedFor3.AudioPackets - pausedAt.AudioPackets} packets received, {pausedFor3.AudioLost - pausedAt.AudioLost} lost; "
            + $"video {video.PacketsSent - videoSent} packets sent, {video.Retransmissions - resent} resent; {BandwidthReport.Describe(subscriber, relay, track)}");
        Assert.True(video.PausedForBandwidth, "video resumed on an 80 kbit/s link");
        Assert.Equal(videoSent, video.PacketsSent);
        Assert.Equal(resent, video.Retransmissions);
        Assert.True(audio.PacketsSent - audioSent > 100, $"{audio.PacketsSent - audioSent} audio packets sent in 3 s");
        Assert.True(pausedFor3.AudioPackets - pausedAt.AudioPackets > 100, $"the player received {pausedFor3.AudioPackets - pausedAt.AudioPackets} audio packets in 3 s");
        Assert.True(pausedFor3.AudioLost - pausedAt.AudioLost <= (pausedFor3.AudioPackets - pausedAt.AudioPackets) / 10, "more than 10% of the audio lost while video is paused");

        // The admin API, the dashboard's source, and the metrics show the estimate and the pause.
        using (var listed = JsonDocument.Parse(await node.Http.GetStringAsync("/api/streams/thin")))
        {
            var session = listed.RootElement.GetProperty("subscribers")[0];
            var bandwidth = session.GetProperty("bandwidth");
            Assert.InRange(bandwidth.GetProperty("estimatedBitrate").GetInt64(), 1, 400_000);
            Assert.Equal(1, bandwidth.GetProperty("pausedTracks").GetInt64());
            Assert.True(bandwidth.GetProperty("probes").GetInt64() > 0);
            Assert.True(session.GetProperty("layers")[0].GetProperty("paused").GetBoolean());
        }

        var metrics = await node.Http.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^sluice_paused_tracks 1$", metrics);
        Assert.Matches(@"(?m)^sluice_bandwidth_probes_total [1-9]", metrics);
        Assert.Matches(@"(?m)^sluice_subscriber_bandwidth_bits_per_second_bucket\{le=""\+Inf""\} [1-9]", metrics);

        // Opened again: video resumes (at a keyframe) and decodes.
        relay.DownlinkBitsPerSecond = 5_000_000;
        await Poll.Until(() => !video.PausedForBandwidth, () => "video to resume: " + BandwidthReport.Describe(subscriber, relay, track), timeoutSeconds: 15);
        await page.WaitForFunctionAsync($"async () => (await window.stats()).decoded > {pausedFor3.Decoded + 30}", null, new PageWaitForFunctionOptions { Timeout = 10_000, PollingInterval = 100 });
        Assert.True(subscriber.Downlink.Estimator!.ProbesStarted > 0, "no probe was sent");
    }
}
