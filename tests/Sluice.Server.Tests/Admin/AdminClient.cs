using System.Net;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Admin;

/// <summary>The admin API as a test reads it: raw JSON, so the wire names (camelCase) are what is checked.</summary>
internal static class AdminClient
{
    public static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public static Task<JsonElement> StreamAsync(HttpClient http, string stream) => GetJsonAsync(http, "/api/streams/" + stream);

    /// <summary>Polls GET /api/streams/{stream} until <paramref name="done"/> holds; fails with the last JSON seen.</summary>
    public static async Task<JsonElement> WaitStreamAsync(HttpClient http, string stream, Func<JsonElement, bool> done, string what, int timeoutSeconds = 10)
    {
        JsonElement last = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            last = await StreamAsync(http, stream);
            if (done(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{what}: not seen in {timeoutSeconds} s; last: {last}");
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    public static string SessionId(RawClient client) => client.Location.Segments[^1];

    public static long Long(this JsonElement element, string name) => element.GetProperty(name).GetInt64();

    public static JsonElement[] Subscribers(this JsonElement stream) => [.. stream.GetProperty("subscribers").EnumerateArray()];

    /// <summary>
    /// Sends synthetic VP8 at about 30 frames/s until cancelled: a keyframe first and every 30 frames, so
    /// subscribers joining later start at once.
    /// </summary>
    public static async Task PublishFramesAsync(RawClient publisher, CancellationToken cancellationToken)
    {
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(33));
        var frame = 0;
        try
        {
            do
            {
                publisher.SendFrame(keyframe: frame++ % 30 == 0);
            }
            while (await pace.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
