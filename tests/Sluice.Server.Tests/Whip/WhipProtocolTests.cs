using System.Net;
using System.Net.Http.Json;
using Sluice.Rtc.Sdp;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Whip;

/// <summary>WHIP and WHEP as RFC 9725 defines them, and every way a request can be wrong.</summary>
public sealed class WhipProtocolTests : IAsyncLifetime
{
    private TestNode _node = null!;

    private HttpClient Http => _node.Http;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(
        "--ice-server", "stun:stun.example.org:3478",
        "--ice-server", "turn:alice:s3cret@turn.example.org:3478?transport=udp");

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData("/whip/s1")]
    [InlineData("/whep/s1")]
    public async Task A_session_is_created_with_location_etag_accept_patch_and_ice_server_links(string path)
    {
        var response = await Http.PostAsync(path, Offers.Sdp(path.StartsWith("/whip") ? Offers.Publish(new RtpCodec(96, "VP8", 90000)) : Offers.Play()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches("^/session/s1/[0-9a-f]{16}$", response.Headers.Location!.OriginalString);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("application/trickle-ice-sdpfrag", response.Headers.GetValues("Accept-Patch").Single());
        var links = response.Headers.GetValues("Link").ToArray();
        Assert.Equal("<stun:stun.example.org:3478>; rel=\"ice-server\"", links[0]);
        Assert.Equal("<turn:turn.example.org:3478?transport=udp>; rel=\"ice-server\"; username=\"alice\"; credential=\"s3cret\"; credential-type=\"password\"", links[1]);

        var answer = SessionDescription.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(answer.IceLite);
        var video = answer.Media[0];
        Assert.Equal(DtlsSetup.Passive, video.Setup);
        Assert.Equal(path.StartsWith("/whip") ? MediaDirection.RecvOnly : MediaDirection.SendOnly, video.Direction);
        var candidate = Assert.Single(video.Candidates);
        Assert.Equal("127.0.0.1", candidate.Address);
        Assert.Equal(_node.Node.Mux.LocalEndPoint.Port, candidate.Port);
    }

    [Fact]
    public async Task A_subscriber_that_arrives_first_is_answered_with_every_codec_it_offered_that_we_forward()
    {
        var offer = Offers.Create(MediaDirection.RecvOnly, [new RtpCodec(96, "VP8", 90000), new RtpCodec(98, "VP9", 90000, null, "profile-id=0"), new RtpCodec(100, "H265", 90000)]);

        var response = await Http.PostAsync("/whep/early", Offers.Sdp(offer));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = SessionDescription.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["VP8", "VP9"], answer.Media[0].Codecs.Select(c => c.Name));
        Assert.Contains(answer.Media[0].Ssrcs, s => s.Attribute == "cname");
    }

    [Fact]
    public async Task A_subscriber_is_offered_only_what_the_publisher_sends()
    {
        Assert.Equal(HttpStatusCode.Created, (await Http.PostAsync("/whip/only-vp9", Offers.Sdp(Offers.Publish(new RtpCodec(98, "VP9", 90000, null, "profile-id=0"))))).StatusCode);
        var offer = Offers.Create(MediaDirection.RecvOnly, [new RtpCodec(96, "VP8", 90000), new RtpCodec(98, "VP9", 90000, null, "profile-id=0")]);

        var response = await Http.PostAsync("/whep/only-vp9", Offers.Sdp(offer));

        var answer = SessionDescription.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["VP9"], answer.Media[0].Codecs.Select(c => c.Name));
    }

    [Fact]
    public async Task A_second_publisher_gets_409()
    {
        Assert.Equal(HttpStatusCode.Created, (await Http.PostAsync("/whip/taken", Offers.Sdp(Offers.Publish(new RtpCodec(96, "VP8", 90000))))).StatusCode);

        var second = await Http.PostAsync("/whip/taken", Offers.Sdp(Offers.Publish(new RtpCodec(96, "VP8", 90000))));

        await AssertProblem(second, HttpStatusCode.Conflict, "already has a publisher");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task A_wrong_content_type_gets_415(string? contentType)
    {
        var content = new StringContent(Offers.Play());
        content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        var response = await Http.PostAsync("/whep/s2", content);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "application/sdp");
    }

    [Theory]
    [InlineData("this is not sdp", "line 1")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video notaport UDP/TLS/RTP/SAVPF 96\r\n", "line 5")]
    public async Task Malformed_sdp_gets_400_with_the_line_at_fault(string sdp, string where)
    {
        var response = await Http.PostAsync("/whip/s3", Offers.Sdp(sdp));

        await AssertProblem(response, HttpStatusCode.BadRequest, where);
    }

    [Fact]
    public async Task Sdp_without_media_gets_400()
    {
        var response = await Http.PostAsync("/whip/s4", Offers.Sdp("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"));

        await AssertProblem(response, HttpStatusCode.BadRequest, "no m= section");
    }

    [Fact]
    public async Task Only_unsupported_codecs_get_400_naming_them()
    {
        var offer = Offers.Create(MediaDirection.SendOnly, [new RtpCodec(96, "H265", 90000), new RtpCodec(97, "MP4V-ES", 90000)], audio: false);

        var response = await Http.PostAsync("/whip/s5", Offers.Sdp(offer));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "H265");
        Assert.Contains("MP4V-ES", problem.Detail);
    }

    [Fact]
    public async Task An_offer_without_ice_credentials_gets_400_saying_so()
    {
        var offer = Offers.Publish(new RtpCodec(96, "VP8", 90000)).Replace("a=ice-ufrag:", "a=x-ufrag:", StringComparison.Ordinal);

        var response = await Http.PostAsync("/whip/s6", Offers.Sdp(offer));

        await AssertProblem(response, HttpStatusCode.BadRequest, "ice-ufrag");
    }

    [Fact]
    public async Task An_invalid_stream_name_gets_400()
    {
        var response = await Http.PostAsync("/whip/" + new string('x', 200), Offers.Sdp(Offers.Play()));

        await AssertProblem(response, HttpStatusCode.BadRequest, "stream name");
    }

    [Fact]
    public async Task Patch_and_delete_of_an_unknown_session_get_404()
    {
        var patch = await Http.PatchAsync("/session/nope/0123456789abcdef", Offers.Fragment("a=end-of-candidates\r\n"));
        var delete = await Http.DeleteAsync("/session/nope/0123456789abcdef");

        await AssertProblem(patch, HttpStatusCode.NotFound, "does not exist");
        await AssertProblem(delete, HttpStatusCode.NotFound, "does not exist");
    }

    [Fact]
    public async Task Trickle_is_accepted_with_204_and_a_wrong_type_gets_415()
    {
        var created = await Http.PostAsync("/whep/trickle", Offers.Sdp(Offers.Play()));
        var location = created.Headers.Location!;

        var trickle = await Http.PatchAsync(location, Offers.Fragment("a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n"));
        var wrongType = await Http.PatchAsync(location, new StringContent("a=end-of-candidates", System.Text.Encoding.UTF8, "application/sdp"));

        Assert.Equal(HttpStatusCode.NoContent, trickle.StatusCode);
        await AssertProblem(wrongType, HttpStatusCode.UnsupportedMediaType, "trickle-ice-sdpfrag");
    }

    [Fact]
    public async Task Ice_restart_answers_new_credentials_and_a_new_etag_and_a_stale_etag_gets_412()
    {
        var created = await Http.PostAsync("/whep/restart", Offers.Sdp(Offers.Play()));
        var location = created.Headers.Location!;
        var etag = created.Headers.ETag!.Tag;
        var restart = Offers.Fragment("a=ice-ufrag:newU\r\na=ice-pwd:aBrandNewPassword0123456\r\n");

        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = restart };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fragment = await response.Content.ReadAsStringAsync();
        Assert.Matches("a=ice-ufrag:[A-Za-z0-9+/]{8}\r\n", fragment);
        Assert.Contains("a=candidate:1 1 udp", fragment, StringComparison.Ordinal);
        Assert.NotEqual(etag, response.Headers.ETag!.Tag);

        var stale = new HttpRequestMessage(HttpMethod.Patch, location) { Content = Offers.Fragment("a=ice-ufrag:newer\r\na=ice-pwd:anotherNewPassword0123456\r\n") };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        await AssertProblem(await Http.SendAsync(stale), HttpStatusCode.PreconditionFailed, "ETag");
    }

    [Theory]
    [InlineData("a=ice-ufrag:\r\na=ice-pwd:\r\n")]
    [InlineData("a=ice-ufrag:ab\r\na=ice-pwd:aBrandNewPassword0123456\r\n")]
    [InlineData("a=ice-ufrag:good\r\na=ice-pwd:has spaces and - dashes 0123\r\n")]
    public async Task An_ice_restart_with_bad_credentials_gets_400(string fragment)
    {
        var created = await Http.PostAsync("/whep/bad-restart", Offers.Sdp(Offers.Play()));

        var response = await Http.PatchAsync(created.Headers.Location, Offers.Fragment(fragment));

        await AssertProblem(response, HttpStatusCode.BadRequest, "RFC 8839");
    }

    [Fact]
    public async Task An_ice_restart_of_an_ended_session_gets_404()
    {
        var created = await Http.PostAsync("/whep/ended-restart", Offers.Sdp(Offers.Play()));
        Assert.True(_node.Node.TryGetSession("ended-restart", created.Headers.Location!.OriginalString.Split('/')[^1], out var session));
        Assert.True(_node.Node.EndSession(session!, Sfu.Sessions.SessionEndReason.Deleted));

        var result = _node.Node.RestartIce(session!.Room.Id, session.Id, new Rtc.Ice.IceParameters("newU", "aBrandNewPassword0123456"), null);

        Assert.Equal(Sfu.SfuErrorKind.SessionNotFound, result.Error?.Kind);
        Assert.Null(result.Value);
    }

    [Fact]
    public async Task Delete_ends_the_session_and_a_second_delete_gets_404()
    {
        var created = await Http.PostAsync("/whip/ending", Offers.Sdp(Offers.Publish(new RtpCodec(96, "VP8", 90000))));

        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync(created.Headers.Location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync(created.Headers.Location)).StatusCode);
        Assert.False(_node.Node.TryGetStream("ending", out _));

        // The stream is free again for a new publisher.
        Assert.Equal(HttpStatusCode.Created, (await Http.PostAsync("/whip/ending", Offers.Sdp(Offers.Publish(new RtpCodec(96, "VP8", 90000))))).StatusCode);
    }

    [Fact]
    public async Task Options_and_cors_preflight_expose_what_a_browser_page_needs()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/whip/s7");
        preflight.Headers.Add("Origin", "http://example.test");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,authorization");
        var response = await Http.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);

        var post = new HttpRequestMessage(HttpMethod.Post, "/whep/s7") { Content = Offers.Sdp(Offers.Play()) };
        post.Headers.Add("Origin", "http://example.test");
        var created = await Http.SendAsync(post);
        var exposed = created.Headers.GetValues("Access-Control-Expose-Headers").Single();
        Assert.Contains("Location", exposed, StringComparison.Ordinal);
        Assert.Contains("ETag", exposed, StringComparison.Ordinal);
        Assert.Contains("Link", exposed, StringComparison.Ordinal);

        var options = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whip/s7"));
        Assert.Equal(HttpStatusCode.NoContent, options.StatusCode);
        Assert.Equal("application/sdp", options.Headers.GetValues("Accept-Post").Single());
    }

    private static async Task<Problem> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<Problem>())!;
        Assert.Equal((int)status, problem.Status);
        Assert.Contains(detailContains, problem.Detail, StringComparison.OrdinalIgnoreCase);
        return problem;
    }

    private sealed record Problem(string Title, string Detail, int Status);
}
