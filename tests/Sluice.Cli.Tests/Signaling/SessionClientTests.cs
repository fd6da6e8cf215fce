using Sluice.Client.Signaling;

namespace Sluice.Cli.Tests.Signaling;

/// <summary>The RFC 9725 HTTP exchange against a scripted server on 127.0.0.1.</summary>
public sealed class SessionClientTests
{
    private const string Offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    private const string Answer = "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n";

    private static TestResponse Created(string location) => new(201, Answer, "application/sdp")
    {
        Headers =
        [
            ("Location", location),
            ("ETag", "\"abc123\""),
            ("Link", "<stun:stun.example.net:3478>; rel=\"ice-server\""),
        ],
    };

    [Fact]
    public async Task Post_SendsSdpWithBearerToken_AndResolvesRelativeLocation()
    {
        using var server = new TestHttpServer(r => r.Method == "POST" ? Created("/whip/cam/sessions/s1") : new TestResponse(200));
        using var http = new HttpClient();
        var endpoint = new Uri(server.BaseUri, "whip/cam");
        await using var client = new SessionClient(http, endpoint, "secret-token");

        var result = await client.CreateAsync(Offer, CancellationToken.None);

        Assert.True(result.IsSuccess, result.Error?.Describe());
        Assert.Equal(Answer, result.Answer.Sdp);
        Assert.Equal(new Uri(server.BaseUri, "whip/cam/sessions/s1"), result.Answer.Location);
        Assert.Equal("\"abc123\"", result.Answer.ETag);
        Assert.Equal(["stun:stun.example.net:3478"], result.Answer.IceServers);

        Assert.True(server.Requests.TryPeek(out var post));
        Assert.Equal("POST", post.Method);
        Assert.Equal("/whip/cam", post.Path);
        Assert.StartsWith("application/sdp", post.ContentType);
        Assert.Equal("Bearer secret-token", post.Authorization);
        Assert.Equal(Offer, post.Body);
    }

    [Fact]
    public void ResolveLocation_RelativeForms()
    {
        var request = new Uri("http://127.0.0.1:7777/whep/cam");
        Assert.Equal(new Uri("http://127.0.0.1:7777/whep/cam/s1"), SessionClient.ResolveLocation(request, new Uri("/whep/cam/s1", UriKind.Relative)));
        Assert.Equal(new Uri("http://127.0.0.1:7777/whep/s2"), SessionClient.ResolveLocation(request, new Uri("s2", UriKind.Relative)));
        Assert.Equal(new Uri("http://10.0.0.1/x"), SessionClient.ResolveLocation(request, new Uri("http://10.0.0.1/x")));
    }

    [Fact]
    public async Task Dispose_DeletesTheSessionOnce_WithToken()
    {
        using var server = new TestHttpServer(r => r.Method == "POST" ? Created("sessions/s9") : new TestResponse(204));
        using var http = new HttpClient();
        var client = new SessionClient(http, new Uri(server.BaseUri, "whep/cam/"), "t0k");
        var result = await client.CreateAsync(Offer, CancellationToken.None);
        Assert.True(result.IsSuccess);

        await client.DisposeAsync();
        await client.DisposeAsync();

        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal("DELETE", requests[1].Method);
        Assert.Equal("/whep/cam/sessions/s9", requests[1].Path);
        Assert.Equal("Bearer t0k", requests[1].Authorization);
    }

    [Fact]
    public async Task Post_Forbidden_ReturnsTheProblemTitle_AndDeletesNothing()
    {
        const string problem = """{"type":"about:blank","title":"invalid token","status":403,"detail":"the token does not allow publishing 'cam'"}""";
        using var server = new TestHttpServer(_ => new TestResponse(403, problem, "application/problem+json"));
        using var http = new HttpClient();
        var client = new SessionClient(http, new Uri(server.BaseUri, "whip/cam"), null);

        var result = await client.CreateAsync(Offer, CancellationToken.None);
        await client.DisposeAsync();

        Assert.False(result.IsSuccess);
        Assert.Equal(403, result.Error.Status);
        Assert.Equal("invalid token", result.Error.Title);
        Assert.Equal("403 Forbidden: invalid token (the token does not allow publishing 'cam')", result.Error.Describe());
        var post = Assert.Single(server.Requests);
        Assert.Null(post.Authorization);
    }

    [Fact]
    public async Task Post_201WithoutLocation_IsAnError()
    {
        using var server = new TestHttpServer(_ => new TestResponse(201, Answer, "application/sdp"));
        using var http = new HttpClient();
        var client = new SessionClient(http, new Uri(server.BaseUri, "whip/cam"), null);

        var result = await client.CreateAsync(Offer, CancellationToken.None);

        Assert.False(result.IsSuccess);
        Assert.Contains("Location", result.Error.Describe());
    }

    [Fact]
    public async Task Post_PlainTextError_ShowsTheBody()
    {
        using var server = new TestHttpServer(_ => new TestResponse(503, "node is draining", "text/plain"));
        using var http = new HttpClient();
        var client = new SessionClient(http, new Uri(server.BaseUri, "whip/cam"), null);

        var result = await client.CreateAsync(Offer, CancellationToken.None);

        Assert.Equal("503 Service Unavailable: node is draining", result.Error!.Describe());
    }

    [Fact]
    public async Task Post_NoServer_IsAnErrorValue()
    {
        using var http = new HttpClient();
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var client = new SessionClient(http, new Uri($"http://127.0.0.1:{port}/whip/cam"), null);
        var result = await client.CreateAsync(Offer, CancellationToken.None);

        Assert.False(result.IsSuccess);
        Assert.Equal(0, result.Error.Status);
    }
}
