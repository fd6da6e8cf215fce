using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Admin;
using Sluice.Server.Tests.Support;
using static Sluice.Server.Tests.Admin.AdminClient;

namespace Sluice.Server.Tests.Admin;

/// <summary>/api/sse/streams read as a browser's EventSource would: line by line, event by event.</summary>
public sealed class AdminEventsTests
{
    [Fact]
    public async Task The_event_stream_sends_a_snapshot_then_every_change_and_stats_ticks()
    {
        await using var node = await TestNode.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/sse/streams");
        using var response = await node.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        using var events = new EventReader(await response.Content.ReadAsStreamAsync());

        var snapshot = await events.NextAsync();
        Assert.Equal("streams", snapshot.Name);
        Assert.Equal(JsonValueKind.Array, snapshot.Data.ValueKind);
        Assert.Equal(0, snapshot.Data.GetArrayLength());

        using var publisher = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whip/live"), ssrc: 99);
        await events.WaitForAsync(s => Find(s, "live") is { } st && st.GetProperty("publisher").ValueKind == JsonValueKind.Object, "the publisher");

        using var subscriber = await RawClient.ConnectAsync(node.Http, new Uri(node.BaseUri, "/whep/live"));
        await events.WaitForAsync(s => Find(s, "live") is { } st && st.Subscribers().Length == 1
            && st.Subscribers()[0].GetProperty("id").GetString() == SessionId(subscriber), "the subscriber");

        using var publishing = new CancellationTokenSource();
        var frames = PublishFramesAsync(publisher, publishing.Token);
        try
        {
            // Nothing joins or leaves now: only a stats tick can bring bitrates.
            await events.WaitForAsync(s => Find(s, "live") is { } st && st.GetProperty("publisher").Long("bitrateIn") > 0
                && st.Subscribers()[0].Long("bitrateOut") > 0, "a stats tick with bitrates", timeoutSeconds: 15);

            Assert.Equal(HttpStatusCode.NoContent, (await node.Http.DeleteAsync($"/api/streams/live/sessions/{SessionId(subscriber)}")).StatusCode);
            await events.WaitForAsync(s => Find(s, "live") is { } st && st.Subscribers().Length == 0, "the kick");
        }
        finally
        {
            await publishing.CancelAsync();
            await frames;
        }

        Assert.Equal(HttpStatusCode.NoContent, (await node.Http.DeleteAsync("/api/streams/live")).StatusCode);
        await events.WaitForAsync(s => s.GetArrayLength() == 0, "the stream deleted");
    }

    [Fact]
    public async Task An_event_stream_ends_when_its_client_leaves_and_when_the_node_stops()
    {
        await using var node = await TestNode.StartAsync();
        var monitor = node.App.Services.GetRequiredService<AdminMonitor>();
        using (var response = await node.Http.GetAsync("/api/sse/streams", HttpCompletionOption.ResponseHeadersRead))
        {
            using var events = new EventReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("streams", (await events.NextAsync()).Name);
            Assert.Equal(1, monitor.OpenEventStreams);
        }

        await Poll.Until(() => monitor.OpenEventStreams == 0, "the node to notice the client left");

        // A client still reading when the node stops: its stream ends, and the stop does not wait for it.
        using var open = await node.Http.GetAsync("/api/sse/streams", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await open.Content.ReadAsStreamAsync());
        await Sluice.Testing.Await.WithTimeout(node.App.StopAsync(), TimeSpan.FromSeconds(10), "the node to stop with an event stream open");
        Assert.Equal(0, monitor.OpenEventStreams);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (await reader.ReadLineAsync(timeout.Token) is not null)
        {
        }
    }

    private static JsonElement? Find(JsonElement streams, string id)
    {
        foreach (var stream in streams.EnumerateArray())
        {
            if (stream.GetProperty("id").GetString() == id)
            {
                return stream;
            }
        }

        return null;
    }
}
