using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Sluice.Server.Health;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Health;

/// <summary>
/// Readiness and drain: a draining node says so on /readyz, refuses new WHIP/WHEP sessions with 503 and
/// Retry-After, keeps forwarding for the sessions it has, and stops once they end, or at the deadline.
/// Each node here runs as Program runs it (start, then wait for shutdown), so a drain's stop really stops it.
/// </summary>
public sealed class DrainTests
{
    [Fact]
    public async Task A_draining_node_refuses_new_sessions_keeps_live_ones_and_stops_when_they_end()
    {
        await using var node = await TestNode.StartAsync();
        var stopped = Stopped(node.App);
        var running = node.App.WaitForShutdownAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/draining"), ssrc: 0xD0D0);
        using var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/draining"));
        Assert.True(node.Node.TryGetStream("draining", out var stream));
        await Poll.Until(() => stream!.HasVideoSource() && stream!.VideoSinks() == 1, "the subscriber to be attached");

        var ready = await node.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", await ready.Content.ReadAsStringAsync());

        var drain = await node.Http.PostAsync("/api/drain", null);
        Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
        using (var status = JsonDocument.Parse(await drain.Content.ReadAsStringAsync()))
        {
            Assert.True(status.RootElement.GetProperty("started").GetBoolean());
            Assert.Equal(2, status.RootElement.GetProperty("sessions").GetInt32());
            Assert.True(status.RootElement.GetProperty("deadline").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        }

        var again = await node.Http.PostAsync("/api/drain", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        using (var status = JsonDocument.Parse(await again.Content.ReadAsStringAsync()))
        {
            Assert.False(status.RootElement.GetProperty("started").GetBoolean());
        }

        var notReady = await node.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("application/problem+json", notReady.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/healthz")).StatusCode);

        var refusedPlayer = await node.Http.PostAsync("/whep/draining", Offers.Sdp(Offers.Play()));
        AssertRefused(refusedPlayer);
        var refusedPublisher = await node.Http.PostAsync("/whip/elsewhere", Offers.Sdp(Offers.Publish(new Rtc.Sdp.RtpCodec(96, "VP8", 90000))));
        AssertRefused(refusedPublisher);
        Assert.Equal(1, (await Metrics.MetricsTests.Scrape(node)).Value("sluice_draining"));

        // The live session keeps flowing while the node drains.
        for (var i = 0; i < 10; i++)
        {
            publisher.SendFrame(keyframe: i == 0);
        }

        await Poll.Until(() => subscriber.Received.Count == 30, "the subscriber to receive all 10 frames while draining");
        Assert.False(stopped.IsCompleted, "the node stopped with sessions live, before its deadline");

        Assert.Equal(HttpStatusCode.OK, (await node.Http.DeleteAsync(subscriber.Location)).StatusCode);
        Assert.False(stopped.IsCompleted, "the node stopped while its publisher was live");
        Assert.Equal(HttpStatusCode.OK, (await node.Http.DeleteAsync(publisher.Location)).StatusCode);

        await Await.WithTimeout(stopped, TimeSpan.FromSeconds(10), "the node to stop once its last session ended");
        await Await.WithTimeout(running, TimeSpan.FromSeconds(10), "the host to finish shutting down");
    }

    [Fact]
    public async Task A_draining_node_stops_at_its_deadline_even_with_sessions_live()
    {
        await using var node = await TestNode.StartAsync("--Drain:DeadlineSeconds", "1");
        var liveAtStop = -1;
        node.App.Lifetime.ApplicationStopping.Register(() => liveAtStop = DrainCoordinator.SessionCount(node.Node));
        var stopped = Stopped(node.App);
        var running = node.App.WaitForShutdownAsync();
        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/deadline"), ssrc: 0xDEAD);
        using var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/deadline"));

        var drain = await node.Http.PostAsync("/api/drain", null);
        Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);

        await Await.WithTimeout(stopped, TimeSpan.FromSeconds(10), "the node to stop at its drain deadline");
        await Await.WithTimeout(running, TimeSpan.FromSeconds(10), "the host to finish shutting down");
        Assert.Equal(2, liveAtStop);
    }

    [Fact]
    public async Task A_negative_deadline_is_refused_at_start_with_the_key_named()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestNode.StartAsync("--Drain:DeadlineSeconds", "-1"));
        Assert.Contains("Drain:DeadlineSeconds", error.Message, StringComparison.Ordinal);
    }

    private static void AssertRefused(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter!.Delta);
        Assert.Null(response.Headers.Location);
    }

    private static Task Stopped(WebApplication app)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Lifetime.ApplicationStopped.Register(() => stopped.TrySetResult());
        return stopped.Task;
    }
}
