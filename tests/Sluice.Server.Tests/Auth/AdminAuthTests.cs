using System.Net;
using System.Net.Http.Headers;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Auth;

/// <summary>
/// With auth on, the admin API, its event stream and drain need the admin right; the event stream also takes
/// the token as ?token= (EventSource cannot send headers), and nothing else does. The sample configuration
/// starts a node with auth on.
/// </summary>
public sealed class AdminAuthTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await TestNode.StartAsync("--Auth:Secret", AuthTokens.Secret, "--Auth:Tokens:0", AuthTokens.StaticToken);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData(null, 401)]
    [InlineData("subscribe-any", 403)]
    [InlineData("admin-other-stream", 403)]
    [InlineData("admin-any", 200)]
    [InlineData("static", 200)]
    public async Task The_streams_list_needs_node_wide_admin(string? who, int status)
    {
        var response = await Send(HttpMethod.Get, "/api/streams", Token(who));

        Assert.Equal(status, (int)response.StatusCode);
    }

    [Fact]
    public async Task Admin_on_one_stream_may_create_and_delete_that_stream_only()
    {
        var admin = AuthTokens.Jwt("mine", 1, TimeSpan.FromMinutes(5));

        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/streams/mine", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/streams/theirs", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/api/streams/mine", admin)).StatusCode);
    }

    [Fact]
    public async Task The_event_stream_takes_the_token_in_the_query_and_the_rest_of_the_api_does_not()
    {
        var admin = Uri.EscapeDataString(AuthTokens.Jwt("*", 1, TimeSpan.FromMinutes(5)));

        using var events = await _node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/sse/streams?token={admin}"), HttpCompletionOption.ResponseHeadersRead);
        var plain = await Send(HttpMethod.Get, "/api/sse/streams", null);
        var queryElsewhere = await Send(HttpMethod.Get, $"/api/streams?token={admin}", null);

        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, queryElsewhere.StatusCode);
    }

    [Fact]
    public async Task Drain_needs_node_wide_admin()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, "/api/drain", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/drain", Token("subscribe-any"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _node.Http.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Options_hands_out_ice_servers_only_to_a_request_that_may_use_them()
    {
        await using var node = await TestNode.StartAsync("--Auth:Secret", AuthTokens.Secret,
            "--ice-server", "turn:alice:s3cret@turn.example.org:3478");

        var anonymous = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whip/cam"));
        var publisher = new HttpRequestMessage(HttpMethod.Options, "/whip/cam");
        publisher.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthTokens.Jwt("cam", 2, TimeSpan.FromMinutes(5)));
        var allowed = await node.Http.SendAsync(publisher);

        Assert.Equal(HttpStatusCode.NoContent, anonymous.StatusCode);
        Assert.False(anonymous.Headers.Contains("Link"), "TURN credentials went to an anonymous OPTIONS");
        Assert.Contains("credential=\"s3cret\"", Assert.Single(allowed.Headers.GetValues("Link")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_static_token_stops_the_node_at_start()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestNode.StartAsync("--Auth:Tokens:0", "abc123"));

        Assert.Contains("Auth:Tokens:0 is 6 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_configuration_starts_a_node_with_auth_on()
    {
        var sample = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../config/sluice.sample.json"));
        Assert.True(File.Exists(sample), sample);
        await using var node = await TestNode.StartAsync("--config", sample);

        var anonymous = await node.Http.PostAsync("/whep/sample", Offers.Sdp(Offers.Play()));
        var request = new HttpRequestMessage(HttpMethod.Post, "/whep/sample") { Content = Offers.Sdp(Offers.Play()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "replace-this-static-token");
        var withToken = await node.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Created, withToken.StatusCode);
    }

    private static string? Token(string? who) => who switch
    {
        null => null,
        "subscribe-any" => AuthTokens.Jwt("*", 4, TimeSpan.FromMinutes(5)),
        "admin-other-stream" => AuthTokens.Jwt("other", 1, TimeSpan.FromMinutes(5)),
        "admin-any" => AuthTokens.Jwt("*", 1, TimeSpan.FromMinutes(5)),
        _ => AuthTokens.StaticToken,
    };

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _node.Http.SendAsync(request);
    }
}
