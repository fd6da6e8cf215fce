using System.Net;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Metrics;

/// <summary>
/// /metrics after a known run: one publisher and two subscribers (our own client over real UDP), a known
/// number of frames, then every gauge, counter and the setup-time histogram checked against what was sent,
/// with counters checked never to fall between scrapes, across a session ending too.
/// </summary>
public sealed class MetricsTests
{
    private const int Frames = 20;
    private const int PacketsPerFrame = 3;

    // RawClient.SendFrame: a 12-byte RTP header and 202 bytes of VP8 payload per packet, before SRTP.
    private const int RtpPacketLength = 214;

    [Fact]
    public async Task A_publisher_and_two_subscribers_are_counted_as_they_ran()
    {
        await using var node = await TestNode.StartAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/counted"), ssrc: 0x5151);
        using var first = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/counted"));
        using var second = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/counted"));
        Assert.True(node.Node.TryGetStream("counted", out var stream));
        await Poll.Until(() => stream!.HasVideoSource() && stream!.VideoSinks() == 2, "both subscribers to be attached");

        var before = await Scrape(node);
        for (var i = 0; i < Frames; i++)
        {
            publisher.SendFrame(keyframe: i == 0, PacketsPerFrame);
        }

        await Poll.Until(() => first.Received.Count == Frames * PacketsPerFrame && second.Received.Count == Frames * PacketsPerFrame, "every packet at both subscribers");
        var after = await Scrape(node);

        Assert.Equal("gauge", after.Types["sluice_streams"]);
        Assert.Equal(1, after.Value("sluice_streams"));
        Assert.Equal(1, after.Value("sluice_publishers"));
        Assert.Equal(2, after.Value("sluice_subscribers"));
        Assert.Equal(0, after.Value("sluice_draining"));

        Assert.Equal("counter", after.Types["sluice_received_packets_total"]);
        Assert.Equal(publisher.Transport.Stats.RtpSent, (long)after.Value("sluice_received_packets_total"));
        Assert.Equal(Frames * PacketsPerFrame, after.Value("sluice_received_packets_total"));
        Assert.Equal(Frames * PacketsPerFrame * RtpPacketLength, after.Value("sluice_received_bytes_total"));
        Assert.Equal(2 * Frames * PacketsPerFrame, after.Value("sluice_sent_packets_total"));

        // Both counters are RTP bytes without SRTP's auth tag, so every packet forwarded once to each of two
        // subscribers is at least twice what came in (equal here: no retransmissions are counted in either).
        Assert.True(after.Value("sluice_sent_bytes_total") >= 2 * after.Value("sluice_received_bytes_total"),
            $"bytes out {after.Value("sluice_sent_bytes_total")} < 2 x bytes in {after.Value("sluice_received_bytes_total")}");
        Assert.Equal(0, after.Value("sluice_packets_lost_total"));
        Assert.Equal(0, after.Value("sluice_ice_failures_total"));
        Assert.Equal(0, after.Value("sluice_dtls_failures_total"));
        Assert.Equal("counter", after.Types["sluice_nacks_total"]);
        Assert.Equal(0, after.Value("sluice_nacks_total", ("direction", "received")));
        Assert.Equal(0, after.Value("sluice_nacks_total", ("direction", "sent")));

        // Each subscriber's join asks the publisher for a keyframe (throttled to one request here or more).
        Assert.True(after.Value("sluice_keyframe_requests_total", ("direction", "sent")) >= 1);
        Assert.Equal(0, after.Value("sluice_keyframe_requests_total", ("direction", "received")));

        Assert.Equal(1, after.Value("sluice_http_requests_total", ("route", "/whip/{stream}"), ("method", "POST"), ("status", "201")));
        Assert.Equal(2, after.Value("sluice_http_requests_total", ("route", "/whep/{stream}"), ("method", "POST"), ("status", "201")));
        Assert.Equal(1, after.Value("sluice_http_requests_total", ("route", "/metrics"), ("method", "GET"), ("status", "200")));

        Assert.Equal("histogram", after.Types["sluice_session_setup_seconds"]);
        Assert.Equal(1, after.Value("sluice_session_setup_seconds_count", ("role", "publisher")));
        Assert.Equal(2, after.Value("sluice_session_setup_seconds_count", ("role", "subscriber")));
        Assert.True(after.Sum("sluice_session_setup_seconds_count") >= 3);
        AssertHistogramConsistent(after, "sluice_session_setup_seconds", "publisher");
        AssertHistogramConsistent(after, "sluice_session_setup_seconds", "subscriber");
        AssertCountersGrew(before, after);

        // A subscriber leaving folds its counts into the totals: nothing falls.
        var gone = await node.Http.DeleteAsync(second.Location);
        Assert.Equal(HttpStatusCode.OK, gone.StatusCode);
        var afterLeaving = await Scrape(node);
        Assert.Equal(1, afterLeaving.Value("sluice_subscribers"));
        Assert.Equal(2 * Frames * PacketsPerFrame, afterLeaving.Value("sluice_sent_packets_total"));
        Assert.Equal(1, afterLeaving.Value("sluice_http_requests_total", ("route", "/session/{stream}/{session}"), ("method", "DELETE"), ("status", "200")));
        AssertCountersGrew(after, afterLeaving);
    }

    [Fact]
    public async Task A_session_whose_client_never_connects_is_counted_as_an_ICE_failure()
    {
        await using var node = await TestNode.StartAsync("--ConsentTimeoutSeconds", "2");
        var created = await node.Http.PostAsync("/whep/silent", Offers.Sdp(Offers.Play()));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(1, (await Scrape(node)).Value("sluice_subscribers"));

        // The offer's client never sends a connectivity check: the session fails ICE after the timeout.
        var scrape = await ScrapeUntil(node, s => s.Value("sluice_ice_failures_total") == 1, "the ICE failure to be counted");
        Assert.Equal(0, scrape.Value("sluice_subscribers"));
        Assert.Equal(0, scrape.Value("sluice_streams"));
        Assert.Equal(0, scrape.Value("sluice_dtls_failures_total"));
        Assert.Equal(0, scrape.Sum("sluice_session_setup_seconds_count"));
    }

    [Fact]
    public async Task Unmatched_requests_count_under_one_route_not_their_path()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("/no/such/thing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("/nor/this")).StatusCode);
        var bad = await node.Http.PostAsync("/whep/bad", new StringContent("v=0", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, bad.StatusCode);

        var scrape = await Scrape(node);
        Assert.Equal(2, scrape.Value("sluice_http_requests_total", ("route", "none"), ("method", "GET"), ("status", "404")));
        Assert.Equal(1, scrape.Value("sluice_http_requests_total", ("route", "/whep/{stream}"), ("method", "POST"), ("status", "415")));
        Assert.DoesNotContain(scrape.Samples, s => s.Labels.TryGetValue("route", out var route) && route.Contains("bad", StringComparison.Ordinal));
    }

    internal static async Task<Exposition> Scrape(TestNode node)
    {
        var response = await node.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return Exposition.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<Exposition> ScrapeUntil(TestNode node, Func<Exposition, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var scrape = await Scrape(node);
            if (condition(scrape))
            {
                return scrape;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every counter series (and histogram count) of the first scrape is there in the second, no lower.</summary>
    private static void AssertCountersGrew(Exposition before, Exposition after)
    {
        var later = after.Samples.ToDictionary(s => s.Key);
        foreach (var sample in before.Samples)
        {
            var family = sample.Name.EndsWith("_count", StringComparison.Ordinal) || sample.Name.EndsWith("_bucket", StringComparison.Ordinal)
                ? sample.Name[..sample.Name.LastIndexOf('_')]
                : sample.Name;
            var type = before.Types.GetValueOrDefault(family);
            if (type is "counter" or "histogram" && !sample.Name.EndsWith("_sum", StringComparison.Ordinal))
            {
                Assert.True(later.TryGetValue(sample.Key, out var next), $"{sample.Key} disappeared");
                Assert.True(next!.Value >= sample.Value, $"{sample.Key} fell from {sample.Value} to {next.Value}");
            }
        }
    }

    private static void AssertHistogramConsistent(Exposition scrape, string name, string role)
    {
        var buckets = scrape.Samples
            .Where(s => s.Name == name + "_bucket" && s.Labels["role"] == role)
            .Select(s => (Le: s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], System.Globalization.CultureInfo.InvariantCulture), s.Value))
            .ToList();
        Assert.True(buckets.Count > 1);
        Assert.Equal(double.PositiveInfinity, buckets[^1].Le);
        for (var i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Le > buckets[i - 1].Le && buckets[i].Value >= buckets[i - 1].Value, "buckets must be ordered and cumulative");
        }

        Assert.Equal(scrape.Value(name + "_count", ("role", role)), buckets[^1].Value);
        Assert.True(scrape.Value(name + "_sum", ("role", role)) > 0);
    }
}
