using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sluice.Rtc.Sdp;
using Sluice.Server.Auth;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Auth;

/// <summary>The credentials of the auth matrix, each for a given stream.</summary>
public enum Credential
{
    NoToken,
    StaticToken,
    JwtSubscribe,
    JwtPublish,
    JwtAdmin,
    JwtAll,
    JwtExpired,
    JwtWrongSignature,
    JwtOtherStream,
    Malformed,
}

/// <summary>Secrets and tokens for the tests, minted here with the library rather than by the code under test.</summary>
internal static class AuthTokens
{
    public const string Secret = "sluice-test-secret-0123456789abcdef-0123456789";
    public const string OtherSecret = "not-the-node-secret-0123456789abcdef-01234567";
    public const string StaticToken = "static-token-7f3c9a";

    public static string Jwt(string stream, int mode, TimeSpan expiresIn, string secret = Secret)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["id"] = stream,
                ["mode"] = mode,
                ["exp"] = (DateTimeOffset.UtcNow + expiresIn).ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The Authorization value for <paramref name="credential"/> on <paramref name="stream"/>; null for none.</summary>
    public static string? For(Credential credential, string stream) => credential switch
    {
        Credential.NoToken => null,
        Credential.StaticToken => StaticToken,
        Credential.JwtSubscribe => Jwt(stream, 4, TimeSpan.FromHours(1)),
        Credential.JwtPublish => Jwt(stream, 2, TimeSpan.FromHours(1)),
        Credential.JwtAdmin => Jwt(stream, 1, TimeSpan.FromHours(1)),
        Credential.JwtAll => Jwt(stream, 7, TimeSpan.FromHours(1)),

        // Well past the node's 30 s clock skew.
        Credential.JwtExpired => Jwt(stream, 7, TimeSpan.FromMinutes(-10)),
        Credential.JwtWrongSignature => Jwt(stream, 7, TimeSpan.FromHours(1), OtherSecret),
        Credential.JwtOtherStream => Jwt("other-" + stream, 7, TimeSpan.FromHours(1)),
        Credential.Malformed => "abc",
        _ => throw new ArgumentOutOfRangeException(nameof(credential)),
    };
}

/// <summary>Requests as a client sends them, with or without a bearer token.</summary>
internal static class AuthRequests
{
    public const string Candidate = "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n";

    public static HttpRequestMessage Whip(string stream, string? token) =>
        With(new HttpRequestMessage(HttpMethod.Post, $"/whip/{stream}") { Content = Offers.Sdp(Offers.Publish(new RtpCodec(96, "VP8", 90000))) }, token);

    public static HttpRequestMessage Whep(string stream, string? token) =>
        With(new HttpRequestMessage(HttpMethod.Post, $"/whep/{stream}") { Content = Offers.Sdp(Offers.Play()) }, token);

    public static HttpRequestMessage Patch(string location, string? token) =>
        With(new HttpRequestMessage(HttpMethod.Patch, location) { Content = Offers.Fragment(Candidate) }, token);

    public static HttpRequestMessage Delete(string location, string? token) =>
        With(new HttpRequestMessage(HttpMethod.Delete, location), token);

    public static HttpRequestMessage With(HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    /// <summary>A subscriber session on <paramref name="stream"/>, its Location.</summary>
    public static async Task<string> CreateSession(HttpClient http, string stream, string? token)
    {
        var response = await http.SendAsync(Whep(stream, token));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    public static async Task AssertRefused(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
    }
}

/// <summary>Test endpoints that stand in for the admin API: one per stream, one node-wide.</summary>
internal static class AdminStandIn
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/test-admin/{stream}", (string stream) => Results.Text("admin " + stream)).RequireAccess(AccessRight.Admin);
        app.MapGet("/test-admin", () => Results.Text("admin node")).RequireAccess(AccessRight.Admin, streamRouteValue: null);
    }
}

/// <summary>Records every log message the node writes, at every level, with exceptions and scopes' state.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages;

    public static LogCapture AddTo(WebApplication app)
    {
        var capture = new LogCapture();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            capture._messages.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
