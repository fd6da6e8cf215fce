using System.Net;
using Sluice.Server.Auth;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Auth;

/// <summary>A node with both a static token and a JWT secret, started once for the matrix.</summary>
public sealed class AuthNodeFixture : IAsyncLifetime
{
    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await TestNode.StartAsync(
        AdminStandIn.Map, "--Auth:Secret", AuthTokens.Secret, "--Auth:Tokens:0", AuthTokens.StaticToken);

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>
/// Every credential against every WHIP/WHEP action, on a node with both kinds of token configured: who may
/// publish, play, and change or end which session, and why the others are refused.
/// </summary>
public sealed class AuthMatrixTests(AuthNodeFixture fixture) : IClassFixture<AuthNodeFixture>
{
    public enum Action
    {
        WhipPost,
        WhepPost,
        PatchOwnSession,
        DeleteOwnSession,
        DeleteOthersSession,
    }

    private const int Created = 201;
    private const int NoContent = 204;
    private const int Ok = 200;
    private const int Unauthorized = 401;
    private const int Forbidden = 403;

    // Columns: WHIP POST, WHEP POST, PATCH own, DELETE own, DELETE someone else's (a session the static token made).
    private static readonly Dictionary<Credential, int[]> Expected = new()
    {
        [Credential.NoToken] = [Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized],
        [Credential.StaticToken] = [Created, Created, NoContent, Ok, Ok],
        [Credential.JwtSubscribe] = [Forbidden, Created, NoContent, Ok, Forbidden],
        [Credential.JwtPublish] = [Created, Forbidden, NoContent, Ok, Forbidden],
        [Credential.JwtAdmin] = [Forbidden, Forbidden, NoContent, Ok, Ok],
        [Credential.JwtAll] = [Created, Created, NoContent, Ok, Ok],
        [Credential.JwtExpired] = [Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized],
        [Credential.JwtWrongSignature] = [Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized],

        // Its own session (the one its token made) it may end; nothing else on a stream it has no right to.
        [Credential.JwtOtherStream] = [Forbidden, Forbidden, NoContent, Ok, Forbidden],
        [Credential.Malformed] = [Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized],
    };

    private static readonly Dictionary<Credential, string> Why401 = new()
    {
        [Credential.NoToken] = "missing bearer token",
        [Credential.JwtExpired] = "token expired",
        [Credential.JwtWrongSignature] = "signature invalid",
        [Credential.Malformed] = "malformed token",
    };

    private HttpClient Http => fixture.Node.Http;

    public static TheoryData<Credential, Action, int> Matrix()
    {
        var data = new TheoryData<Credential, Action, int>();
        foreach (var (credential, statuses) in Expected)
        {
            foreach (var action in Enum.GetValues<Action>())
            {
                data.Add(credential, action, statuses[(int)action]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_credential_gets_the_expected_status_for_each_action(Credential credential, Action action, int expected)
    {
        var stream = $"{credential}-{action}".ToLowerInvariant();
        var token = AuthTokens.For(credential, stream);

        var response = await Perform(action, stream, token);

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == Unauthorized)
        {
            await AuthRequests.AssertRefused(response, HttpStatusCode.Unauthorized, Why401[credential]);
        }
        else if (expected == Forbidden)
        {
            var verb = action switch
            {
                Action.WhipPost => $"may not publish stream '{stream}'",
                Action.WhepPost => $"may not subscribe to stream '{stream}'",
                _ => $"may not administer stream '{stream}'",
            };
            await AuthRequests.AssertRefused(response, HttpStatusCode.Forbidden, "this token " + (action is Action.WhipPost or Action.WhepPost ? verb : "did not create session"));
            Assert.Contains(verb, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(Credential.NoToken, Unauthorized, Unauthorized)]
    [InlineData(Credential.StaticToken, Ok, Ok)]
    [InlineData(Credential.JwtAdmin, Ok, Forbidden)]
    [InlineData(Credential.JwtAll, Ok, Forbidden)]
    [InlineData(Credential.JwtSubscribe, Forbidden, Forbidden)]
    [InlineData(Credential.JwtPublish, Forbidden, Forbidden)]
    [InlineData(Credential.JwtOtherStream, Forbidden, Forbidden)]
    [InlineData(Credential.JwtExpired, Unauthorized, Unauthorized)]
    [InlineData(Credential.JwtWrongSignature, Unauthorized, Unauthorized)]
    [InlineData(Credential.Malformed, Unauthorized, Unauthorized)]
    public async Task Admin_endpoints_need_admin_on_the_stream_or_on_every_stream(Credential credential, int onStream, int nodeWide)
    {
        var token = AuthTokens.For(credential, "cam");

        var stream = await Http.SendAsync(AuthRequests.With(new HttpRequestMessage(HttpMethod.Get, "/test-admin/cam"), token));
        var node = await Http.SendAsync(AuthRequests.With(new HttpRequestMessage(HttpMethod.Get, "/test-admin"), token));

        Assert.Equal(onStream, (int)stream.StatusCode);
        Assert.Equal(nodeWide, (int)node.StatusCode);
        if (nodeWide == Forbidden)
        {
            await AuthRequests.AssertRefused(node, HttpStatusCode.Forbidden, "may not administer the node");
        }
    }

    [Fact]
    public async Task An_admin_jwt_for_every_stream_may_administer_the_node_and_any_stream()
    {
        var token = AuthTokens.Jwt(Caller.AnyStream, 1, TimeSpan.FromHours(1));
        var others = await AuthRequests.CreateSession(Http, "any-stream", AuthTokens.StaticToken);

        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(AuthRequests.With(new HttpRequestMessage(HttpMethod.Get, "/test-admin"), token))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(AuthRequests.With(new HttpRequestMessage(HttpMethod.Get, "/test-admin/x"), token))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(AuthRequests.Delete(others, token))).StatusCode);
    }

    [Fact]
    public async Task A_session_belongs_to_the_token_that_created_it_and_not_to_another_with_the_same_claims()
    {
        var creator = AuthTokens.Jwt("owned", 6, TimeSpan.FromHours(1));
        var twin = AuthTokens.Jwt("owned", 6, TimeSpan.FromHours(2));
        var publisher = await Http.SendAsync(AuthRequests.Whip("owned", creator));
        Assert.Equal(HttpStatusCode.Created, publisher.StatusCode);
        var location = publisher.Headers.Location!.OriginalString;

        var patchByTwin = await Http.SendAsync(AuthRequests.Patch(location, twin));
        var deleteByTwin = await Http.SendAsync(AuthRequests.Delete(location, twin));
        var patchByCreator = await Http.SendAsync(AuthRequests.Patch(location, creator));
        var deleteByCreator = await Http.SendAsync(AuthRequests.Delete(location, creator));

        await AuthRequests.AssertRefused(patchByTwin, HttpStatusCode.Forbidden, "did not create session");
        await AuthRequests.AssertRefused(deleteByTwin, HttpStatusCode.Forbidden, "did not create session");
        Assert.Equal(HttpStatusCode.NoContent, patchByCreator.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleteByCreator.StatusCode);
        Assert.DoesNotContain(fixture.Node.Node.Rooms, s => s.Id.Value == "owned" && s.Publisher is not null);
    }

    [Fact]
    public async Task An_unknown_session_is_404_for_a_valid_token_and_401_without_one()
    {
        var token = AuthTokens.Jwt("ghost", 4, TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(AuthRequests.Delete("/session/ghost/0123456789abcdef", token))).StatusCode);
        await AuthRequests.AssertRefused(await Http.SendAsync(AuthRequests.Delete("/session/ghost/0123456789abcdef", null)), HttpStatusCode.Unauthorized, "missing bearer token");
    }

    [Fact]
    public async Task Cors_preflight_and_options_need_no_token()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/whip/cam");
        preflight.Headers.Add("Origin", "https://player.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");

        var response = await Http.SendAsync(preflight);
        var options = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whep/cam"));

        Assert.True(response.IsSuccessStatusCode, $"preflight answered {(int)response.StatusCode}");
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.NoContent, options.StatusCode);
    }

    [Fact]
    public async Task A_refusal_to_a_browser_still_carries_cors_headers_so_the_page_can_read_it()
    {
        var request = AuthRequests.Whip("cors-refused", null);
        request.Headers.Add("Origin", "https://player.example");

        var response = await Http.SendAsync(request);

        await AuthRequests.AssertRefused(response, HttpStatusCode.Unauthorized, "missing bearer token");
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    private async Task<HttpResponseMessage> Perform(Action action, string stream, string? token)
    {
        switch (action)
        {
            case Action.WhipPost:
                return await Http.SendAsync(AuthRequests.Whip(stream, token));
            case Action.WhepPost:
                return await Http.SendAsync(AuthRequests.Whep(stream, token));
            case Action.DeleteOthersSession:
                return await Http.SendAsync(AuthRequests.Delete(await AuthRequests.CreateSession(Http, stream, AuthTokens.StaticToken), token));
        }

        // "Own": the session is made (with the static token, since some of these credentials could not make it)
        // and then handed to this credential's token, as if it had created it.
        var location = await AuthRequests.CreateSession(Http, stream, AuthTokens.StaticToken);
        var id = location[(location.LastIndexOf('/') + 1)..];
        Assert.True(fixture.Node.Node.TryGetSession(stream, id, out var session));
        session!.Owner = token is null ? null : Caller.OwnerOf(token);
        return action == Action.PatchOwnSession
            ? await Http.SendAsync(AuthRequests.Patch(location, token))
            : await Http.SendAsync(AuthRequests.Delete(location, token));
    }
}
