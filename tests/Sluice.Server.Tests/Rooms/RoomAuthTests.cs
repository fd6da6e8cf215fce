using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sluice.Rtc.Sdp;
using Sluice.Server.Tests.Auth;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Rooms;

/// <summary>
/// Sluice's JWTs in rooms: <c>{"room": r or "*", "participant": id (optional), "mode": bits}</c> grants publish (2),
/// subscribe (4) and admin (1) in a room, as one person when it names one; a stream token is not a room token (except
/// the node's, <c>"id": "*"</c>); weever's stored tokens are a second way in when <c>Rooms:Auth</c> is on.
/// </summary>
public sealed class RoomAuthTests
{
    private static readonly string PublisherOffer = Offers.Publish(new RtpCodec(96, "VP8", 90000));

    public static TheoryData<string, string, string, HttpStatusCode> Matrix => new()
    {
        // token                          method+path                      body    expected
        { "room=r;participant=ann;mode=2", "POST /pub/r/ann+1",             "pub", HttpStatusCode.Created },
        { "room=r;participant=ann;mode=2", "POST /pub/r/ann-screen+1",      "pub", HttpStatusCode.Created },
        { "room=r;participant=ann;mode=2", "POST /pub/r/bob+1",             "pub", HttpStatusCode.Forbidden },
        { "room=r;participant=ann;mode=2", "POST /pub/s/ann+1",             "pub", HttpStatusCode.Forbidden },
        { "room=r;participant=ann;mode=2", "POST /sub/r/ann+1",             "sub", HttpStatusCode.Forbidden },
        { "room=r;mode=4",                 "POST /sub/r/anyone+1",          "sub", HttpStatusCode.Created },
        { "room=r;mode=4",                 "POST /pub/r/anyone+1",          "pub", HttpStatusCode.Forbidden },
        { "room=*;mode=6",                 "POST /pub/elsewhere/ann+1",     "pub", HttpStatusCode.Created },
        { "room=*;mode=6",                 "POST /sub/elsewhere/ann+1",     "sub", HttpStatusCode.Created },
        { "room=*;mode=6",                 "GET /api/rooms",                "",    HttpStatusCode.Forbidden },
        { "room=r;mode=1",                 "GET /api/rooms/r",              "",    HttpStatusCode.NotFound },
        { "room=r;mode=1",                 "DELETE /api/rooms/r/participants/x", "", HttpStatusCode.NotFound },
        { "room=r;mode=1",                 "GET /list/pub/r",               "",    HttpStatusCode.OK },
        { "room=r;mode=1",                 "GET /api/rooms/s",              "",    HttpStatusCode.Forbidden },
        { "room=r;mode=1",                 "GET /api/rooms",                "",    HttpStatusCode.Forbidden },
        { "room=r;mode=1",                 "POST /pub/r/ann+1",             "pub", HttpStatusCode.Forbidden },
        { "room=r;mode=1",                 "GET /api/streams",              "",    HttpStatusCode.Forbidden },
        { "room=*;mode=1",                 "GET /api/rooms",                "",    HttpStatusCode.OK },
        { "id=r;mode=7",                   "POST /pub/r/ann+1",             "pub", HttpStatusCode.Forbidden },
        { "id=r;mode=7",                   "GET /api/rooms/r",              "",    HttpStatusCode.Forbidden },
        { "id=*;mode=7",                   "POST /pub/r/ann+1",             "pub", HttpStatusCode.Created },
        { "id=*;mode=7",                   "GET /api/rooms",                "",    HttpStatusCode.OK },
        { "",                              "POST /pub/r/ann+1",             "pub", HttpStatusCode.Unauthorized },
        { "",                              "GET /api/rooms",                "",    HttpStatusCode.Unauthorized },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Room_rights_by_token(string claims, string request, string body, HttpStatusCode expected)
    {
        await using var node = await TestNode.StartAsync("--Auth:Secret", AuthTokens.Secret);
        var response = await SendAsync(node, request, body, claims.Length == 0 ? null : Mint(claims));
        Assert.True(expected == response.StatusCode, $"{claims} {request}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task With_both_ways_configured_a_sluice_token_or_a_weever_token_admits()
    {
        await using var node = await TestNode.StartAsync("--Auth:Secret", AuthTokens.Secret, "--Rooms:Auth", "true");
        var admin = Mint("id=*;mode=7");
        using (var create = new HttpRequestMessage(HttpMethod.Post, "/create/pub") { Content = new StringContent("""{"room":"r","id":"ann","token":"weever-secret"}""", Encoding.UTF8, "application/json") })
        {
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            Assert.Equal(HttpStatusCode.OK, (await node.Http.SendAsync(create)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(node, "POST /pub/r/ann+1", "pub", "weever-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(node, "POST /pub/r/ann+2", "pub", Mint("room=r;participant=ann;mode=2"))).StatusCode);
        var wrong = await SendAsync(node, "POST /pub/r/ann+3", "pub", "guess");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("bad token", await wrong.Content.ReadAsStringAsync());

        // /create needs the admin right in every room when Sluice's auth is on.
        var anonymous = await node.Http.PostAsync("/create/pub", new StringContent("""{"room":"r","id":"eve","token":""}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(TestNode node, string request, string body, string? token)
    {
        var space = request.IndexOf(' ', StringComparison.Ordinal);
        using var message = new HttpRequestMessage(new HttpMethod(request[..space]), request[(space + 1)..]);
        if (body.Length > 0)
        {
            message.Content = new StringContent(body == "pub" ? PublisherOffer : Offers.Play());
        }

        if (token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await node.Http.SendAsync(message);
    }

    /// <summary>A JWT with the claims written <c>name=value;…</c> (mode as a number), valid for an hour.</summary>
    private static string Mint(string claims)
    {
        var payload = new Dictionary<string, object> { ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds() };
        foreach (var pair in claims.Split(';'))
        {
            var (name, value) = (pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            payload[name] = name == "mode" ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = payload,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthTokens.Secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
