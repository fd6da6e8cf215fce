using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sluice.Server.Auth;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Auth;

/// <summary>Auth off, one kind of token, both, bad configuration, what the logs say (and never say), and sluice-cli token.</summary>
public sealed class AuthConfigurationTests
{
    [Fact]
    public async Task With_auth_off_everything_is_allowed_and_the_node_warns_at_start()
    {
        LogCapture logs = null!;
        await using var node = await TestNode.StartAsync(app =>
        {
            AdminStandIn.Map(app);
            logs = LogCapture.AddTo(app);
        });
        var http = node.Http;

        // A stray token is ignored, not refused: auth is off.
        foreach (var token in new[] { null, "anything" })
        {
            var stream = token is null ? "open" : "open-token";
            var publisher = await http.SendAsync(AuthRequests.Whip(stream, token));
            var subscriber = await http.SendAsync(AuthRequests.Whep(stream, token));
            Assert.Equal(HttpStatusCode.Created, publisher.StatusCode);
            Assert.Equal(HttpStatusCode.Created, subscriber.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(AuthRequests.Patch(subscriber.Headers.Location!.OriginalString, token))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(AuthRequests.Delete(subscriber.Headers.Location!.OriginalString, token))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(AuthRequests.Delete(publisher.Headers.Location!.OriginalString, token))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(AuthRequests.With(new HttpRequestMessage(HttpMethod.Get, "/test-admin"), token))).StatusCode);
        }

        // The capture joins after the host was built, so the start-up warning is seen only if the hosted service logged it at start.
        Assert.Contains(logs.Messages, m => m.Contains("auth is off: anyone can publish, play and administer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Both_static_tokens_and_jwts_are_accepted_when_both_are_configured()
    {
        await using var node = await TestNode.StartAsync(
            "--Auth:Secret", AuthTokens.Secret, "--Auth:Tokens:0", "first-static-token-0001", "--Auth:Tokens:1", AuthTokens.StaticToken);

        Assert.Equal(HttpStatusCode.Created, (await node.Http.SendAsync(AuthRequests.Whip("by-static", AuthTokens.StaticToken))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await node.Http.SendAsync(AuthRequests.Whep("by-first", "first-static-token-0001"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await node.Http.SendAsync(AuthRequests.Whip("by-jwt", AuthTokens.Jwt("by-jwt", 2, TimeSpan.FromMinutes(5))))).StatusCode);
    }

    [Fact]
    public async Task With_only_static_tokens_a_jwt_is_an_unknown_token()
    {
        await using var node = await TestNode.StartAsync("--Auth:Tokens:0", AuthTokens.StaticToken);

        var jwt = await node.Http.SendAsync(AuthRequests.Whip("cam", AuthTokens.Jwt("cam", 7, TimeSpan.FromMinutes(5))));
        var token = await node.Http.SendAsync(AuthRequests.Whip("cam", AuthTokens.StaticToken));

        await AuthRequests.AssertRefused(jwt, HttpStatusCode.Unauthorized, "unknown token");
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
    }

    [Fact]
    public async Task A_jwt_without_id_or_mode_is_malformed()
    {
        await using var node = await TestNode.StartAsync("--Auth:Secret", AuthTokens.Secret);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var noMode = handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["id"] = "cam", ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthTokens.Secret)), SecurityAlgorithms.HmacSha256),
        });
        var noExp = handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["id"] = "cam", ["mode"] = 7 },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthTokens.Secret)), SecurityAlgorithms.HmacSha256),
        });

        await AuthRequests.AssertRefused(await node.Http.SendAsync(AuthRequests.Whip("cam", noMode)), HttpStatusCode.Unauthorized, "malformed token: its 'mode' claim");
        await AuthRequests.AssertRefused(await node.Http.SendAsync(AuthRequests.Whip("cam", noExp)), HttpStatusCode.Unauthorized, "malformed token: it has no 'exp' claim");
    }

    [Fact]
    public async Task A_secret_too_short_for_hs256_stops_the_node_at_start_with_the_reason()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestNode.StartAsync("--Auth:Secret", "short"));

        Assert.Contains("Auth:Secret is 5 bytes; HS256 needs at least 32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_and_the_secret_never_appear_in_the_logs()
    {
        LogCapture logs = null!;
        await using var node = await TestNode.StartAsync(
            app => logs = LogCapture.AddTo(app),
            "--Auth:Secret", AuthTokens.Secret, "--Auth:Tokens:0", AuthTokens.StaticToken, "--Logging:LogLevel:Default", "Trace");
        var http = node.Http;
        var good = AuthTokens.Jwt("logged", 7, TimeSpan.FromMinutes(5));
        var weak = AuthTokens.Jwt("logged", 4, TimeSpan.FromMinutes(5));
        var expired = AuthTokens.Jwt("logged", 7, TimeSpan.FromMinutes(-10));
        var forged = AuthTokens.Jwt("logged", 7, TimeSpan.FromMinutes(5), AuthTokens.OtherSecret);
        const string garbage = "garbage-token-5e1d";

        var publisher = await http.SendAsync(AuthRequests.Whip("logged", good));
        Assert.Equal(HttpStatusCode.Created, publisher.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(AuthRequests.Whip("logged", weak))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(AuthRequests.Whep("logged", expired))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(AuthRequests.Whep("logged", forged))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(AuthRequests.Whep("logged", garbage))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(AuthRequests.Delete(publisher.Headers.Location!.OriginalString, weak))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(AuthRequests.Delete(publisher.Headers.Location!.OriginalString, AuthTokens.StaticToken))).StatusCode);

        // The capture works (the refusals are logged, with their reasons and paths) ...
        Assert.Contains(logs.Messages, m => m.Contains("Refused POST /whep/logged (401): token expired", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("Refused POST /whip/logged (403): this token may not publish stream 'logged'", StringComparison.Ordinal));

        // ... and no credential, nor any JWT part (the signature alone would do harm), is in any of it.
        string[] secrets = [AuthTokens.Secret, AuthTokens.StaticToken, good, weak, expired, forged, garbage, .. good.Split('.'), .. weak.Split('.')[2..], .. forged.Split('.')[2..]];
        foreach (var message in logs.Messages)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Sluice_cli_token_prints_a_jwt_the_node_accepts_with_the_claims_asked_for()
    {
        var before = DateTimeOffset.UtcNow;
        var (exit, output) = await Support.Cli.RunAsync("token", "--secret", AuthTokens.Secret, "--stream", "cli-cam", "--publish", "--subscribe", "--ttl", "10m");
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(0, exit);
        var token = output.Trim();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthTokens.Secret)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal("cli-cam", jwt.GetPayloadValue<string>("id"));
        Assert.Equal(6, jwt.GetPayloadValue<int>("mode"));
        var exp = jwt.GetPayloadValue<long>("exp");
        Assert.InRange(exp, before.AddMinutes(10).ToUnixTimeSeconds(), after.AddMinutes(10).ToUnixTimeSeconds());
        Assert.False(jwt.TryGetPayloadValue<long>("nbf", out _), "live777 tokens carry only id, exp and mode");

        await using var node = await TestNode.StartAsync("--Auth:Secret", AuthTokens.Secret);
        Assert.Equal(HttpStatusCode.Created, (await node.Http.SendAsync(AuthRequests.Whip("cli-cam", token))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await node.Http.SendAsync(AuthRequests.Whep("cli-cam", token))).StatusCode);
        await AuthRequests.AssertRefused(await node.Http.SendAsync(AuthRequests.Whip("another", token)), HttpStatusCode.Forbidden, "may not publish stream 'another'");
    }

    [Fact]
    public async Task Sluice_cli_token_for_every_stream_with_admin_has_id_star_and_mode_1()
    {
        var (exit, output) = await Support.Cli.RunAsync("token", "--secret", AuthTokens.Secret, "--stream", "*", "--admin", "--ttl", "2d");

        Assert.Equal(0, exit);
        var jwt = new JsonWebToken(output.Trim());
        Assert.Equal("*", jwt.GetPayloadValue<string>("id"));
        Assert.Equal(1, jwt.GetPayloadValue<int>("mode"));
        Assert.InRange(jwt.GetPayloadValue<long>("exp") - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), (2 * 86400) - 60, 2 * 86400);
    }

    [Theory]
    [InlineData("--ttl 1w", "is not a duration")]
    [InlineData("--ttl 0s", "is not a duration")]
    [InlineData("--ttl 1.5h", "is not a duration")]
    [InlineData("--secret short", "at least 32 bytes")]
    [InlineData("", "Give --publish, --subscribe and/or --admin")]
    public void Sluice_cli_token_refuses_what_would_make_a_useless_token(string change, string message)
    {
        var options = new Dictionary<string, string> { ["--secret"] = AuthTokens.Secret, ["--stream"] = "cam" };
        List<string> flags = change.Length == 0 ? [] : ["--publish"];
        if (change.Length > 0)
        {
            options[change.Split(' ')[0]] = change.Split(' ')[1];
        }

        string[] args = ["token", .. options.SelectMany(o => new[] { o.Key, o.Value }), .. flags];
        var root = Sluice.Cli.Commands.CliCommands.Create(new Sluice.Cli.Commands.CliEnvironment(TextWriter.Null, TextWriter.Null, () => new HttpClient()));

        var errors = root.Parse(args).Errors;

        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    public void Sluice_cli_token_ttl_takes_seconds_minutes_hours_and_days(string text, int seconds)
    {
        Assert.True(Sluice.Cli.Commands.TokenCommand.TryParseTtl(text, out var ttl));
        Assert.Equal(TimeSpan.FromSeconds(seconds), ttl);
    }
}
