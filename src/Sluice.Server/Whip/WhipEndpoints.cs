using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Sluice.Rtc.Ice;
using Sluice.Server.Auth;
using Sluice.Sfu;

namespace Sluice.Server.Whip;

/// <summary>
/// WHIP and WHEP (RFC 9725): POST an offer to create a session, PATCH it for trickle ICE and ICE restart,
/// DELETE it to end it. The session resource lives at /session/{stream}/{session}.
/// </summary>
internal static partial class WhipEndpoints
{
    internal const string SdpType = "application/sdp";
    private const string FragmentType = "application/trickle-ice-sdpfrag";
    private const int MaxBodyBytes = 128 * 1024;

    public static void MapWhip(this IEndpointRouteBuilder app)
    {
        app.MapPost("/whip/{stream}", (string stream, HttpContext context, ISfu sfu, IOptions<ServerOptions> options) =>
            CreateSession(stream, context, sfu, options.Value, publish: true)).RequireAccess(AccessRight.Publish);
        app.MapPost("/whep/{stream}", (string stream, HttpContext context, ISfu sfu, IOptions<ServerOptions> options) =>
            CreateSession(stream, context, sfu, options.Value, publish: false)).RequireAccess(AccessRight.Subscribe);
        app.MapMethods("/whip/{stream}", ["OPTIONS"], (string stream, HttpContext context, IOptions<ServerOptions> options) =>
            Options(context, options.Value, AccessRight.Publish, stream));
        app.MapMethods("/whep/{stream}", ["OPTIONS"], (string stream, HttpContext context, IOptions<ServerOptions> options) =>
            Options(context, options.Value, AccessRight.Subscribe, stream));
        app.MapMethods("/session/{stream}/{session}", ["PATCH"], Patch).RequireSessionAccess();
        app.MapDelete("/session/{stream}/{session}", async (string stream, string session, ISfu sfu, CancellationToken cancellationToken) =>
            await sfu.EndSessionAsync(new RoomId(stream), new SessionId(session), Sfu.Sessions.SessionEndReason.Deleted, cancellationToken)
                ? Results.Ok()
                : Problems.SessionNotFound(stream, session)).RequireSessionAccess();
        app.MapLayers();
    }

    private static async Task<IResult> CreateSession(string stream, HttpContext context, ISfu sfu, ServerOptions options, bool publish)
    {
        if (context.RequestServices.GetRequiredService<Health.DrainCoordinator>().RefuseIfDraining(context) is { } draining)
        {
            return draining;
        }

        if (!IsValidStreamId(stream))
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Invalid stream name",
                $"'{stream}' is not a stream name: use 1 to 128 of A-Z a-z 0-9 - _ .");
        }

        if (!HasContentType(context.Request, SdpType))
        {
            return Problems.UnsupportedMediaType(SdpType, context.Request.ContentType);
        }

        var (offer, tooLarge) = await ReadBody(context.Request);
        if (tooLarge)
        {
            return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Offer too large", $"an SDP offer is at most {MaxBodyBytes} bytes");
        }

        // Reading the offer takes time; a drain may have begun meanwhile.
        if (context.RequestServices.GetRequiredService<Health.DrainCoordinator>().RefuseIfDraining(context) is { } nowDraining)
        {
            return nowDraining;
        }

        var owner = context.GetCaller()?.Owner;
        var result = publish
            ? await sfu.PublishAsync(new RoomId(stream), offer, owner, context.RequestAborted)
            : await sfu.SubscribeAsync(new RoomId(stream), offer, owner, Cluster.ClusterSfu.IsRelay(context), context.RequestAborted);
        if (result.Error is { } error)
        {
            return Problems.From(error);
        }

        var answer = result.Value!;
        var session = answer.Session;
        Cluster.ClusterSfu.NoteRelay(context, session);
        var headers = context.Response.Headers;
        headers.Location = $"/session/{stream}/{session.Id}";
        headers.ETag = session.ETag;
        headers["Accept-Patch"] = FragmentType;
        AddIceServerLinks(context, options);
        if (!publish && LayerEndpoints.HasLayers(session.Room))
        {
            headers.Append("Link", $"</session/{stream}/{session.Id}/layer>; rel=\"{LayerEndpoints.Relation}\"");
        }

        return Results.Text(answer.Sdp, SdpType, Encoding.UTF8, StatusCodes.Status201Created);
    }

    /// <summary>
    /// Trickle ICE and ICE restart (RFC 9725 §4.4): candidates are accepted (ICE-lite learns addresses from
    /// checks); new credentials restart ICE and are answered with ours.
    /// </summary>
    private static async Task<IResult> Patch(string stream, string session, HttpContext context, ISfu sfu, SfuNode node)
    {
        var found = await sfu.FindSessionAsync(new RoomId(stream), new SessionId(session), context.RequestAborted);
        if (HasContentType(context.Request, SdpType) && found is Sfu.Sessions.PublisherSession)
        {
            return await Renegotiate(stream, session, context, sfu);
        }

        if (!HasContentType(context.Request, FragmentType))
        {
            return Problems.UnsupportedMediaType(FragmentType, context.Request.ContentType);
        }

        if (found is null)
        {
            return Problems.SessionNotFound(stream, session);
        }

        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != found.ETag)
        {
            return Problems.Problem(StatusCodes.Status412PreconditionFailed, "Stale session",
                $"If-Match {ifMatch} does not match the session's current ETag {found.ETag}; fetch it again");
        }

        var (body, tooLarge) = await ReadBody(context.Request);
        if (tooLarge)
        {
            return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Fragment too large", $"an SDP fragment is at most {MaxBodyBytes} bytes");
        }

        if (!SdpFragment.TryParse(body, out var fragment, out var parseError))
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "Malformed SDP fragment", parseError!);
        }

        var remote = found.RemoteIce;
        if (fragment!.IceUfrag is null || (fragment.IceUfrag == remote.UsernameFragment && fragment.IcePwd == remote.Password))
        {
            return Results.NoContent();
        }

        var restarted = await sfu.RestartIceAsync(found.Room.Id, found.Id, new IceParameters(fragment.IceUfrag, fragment.IcePwd!), ifMatch, context.RequestAborted);
        if (restarted.Error is { } error)
        {
            return Problems.From(error);
        }

        context.Response.Headers.ETag = found.ETag;
        return Results.Text(RestartAnswer(restarted.Value!, node, found), FragmentType, Encoding.UTF8, StatusCodes.Status200OK);
    }

    /// <summary>
    /// A publisher's new offer on its session (a Sluice extension beside RFC 9725's trickle PATCH, for WHIP sessions
    /// only): a track added or stopped without a new session. 200 with the answer; the offer keeps the session's
    /// ICE credentials.
    /// </summary>
    private static async Task<IResult> Renegotiate(string stream, string session, HttpContext context, ISfu sfu)
    {
        var (offer, tooLarge) = await ReadBody(context.Request);
        if (tooLarge)
        {
            return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Offer too large", $"an SDP offer is at most {MaxBodyBytes} bytes");
        }

        var result = await sfu.RenegotiateAsync(new RoomId(stream), new SessionId(session), offer, context.Request.Headers.IfMatch.ToString(), context.RequestAborted);
        if (result.Error is { } error)
        {
            return Problems.From(error);
        }

        context.Response.Headers.ETag = result.Value!.Session.ETag;
        return Results.Text(result.Value.Sdp, SdpType, Encoding.UTF8, StatusCodes.Status200OK);
    }

    private static string RestartAnswer(IceParameters local, SfuNode node, Sfu.Sessions.SfuSession session)
    {
        var text = new StringBuilder();
        text.Append("a=ice-lite\r\n");
        text.Append("a=ice-ufrag:").Append(local.UsernameFragment).Append("\r\n");
        text.Append("a=ice-pwd:").Append(local.Password).Append("\r\n");
        var mid = session.Tracks.Count > 0 ? session.Tracks[0].Mid : "0";
        text.Append("m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n");
        text.Append("a=mid:").Append(mid).Append("\r\n");
        foreach (var candidate in node.Candidates)
        {
            text.Append("a=").Append(candidate).Append("\r\n");
        }

        text.Append("a=end-of-candidates\r\n");
        return text.ToString();
    }

    /// <summary>
    /// OPTIONS (RFC 9725 §4.4): what the endpoint accepts, and its ICE servers — which can carry TURN credentials,
    /// so only for a request that could use them (browsers' CORS preflights never get here: UseCors answers them).
    /// </summary>
    private static async Task<IResult> Options(HttpContext context, ServerOptions options, AccessRight right, string stream)
    {
        context.Response.Headers["Accept-Post"] = SdpType;
        var checker = context.RequestServices.GetRequiredService<IAccessChecker>();
        if ((await checker.CheckAsync(context, right, stream)).IsAllowed)
        {
            AddIceServerLinks(context, options);
        }

        return Results.NoContent();
    }

    private static void AddIceServerLinks(HttpContext context, ServerOptions options)
    {
        foreach (var server in options.IceServers)
        {
            context.Response.Headers.Append("Link", server.ToLinkHeader());
        }
    }

    internal static bool HasContentType(HttpRequest request, string expected) =>
        request.ContentType is { } type && type.Split(';')[0].Trim().Equals(expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>The request body as UTF-8 text, or TooLarge past <paramref name="maxBytes"/> (declared or read).</summary>
    internal static async Task<(string Body, bool TooLarge)> ReadBody(HttpRequest request, int maxBytes = MaxBodyBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return (string.Empty, true);
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[maxBytes + 1];
        var read = await reader.ReadBlockAsync(buffer);
        return read > maxBytes ? (string.Empty, true) : (new string(buffer, 0, read), false);
    }

    internal static bool IsValidStreamId(string stream) => StreamId().IsMatch(stream);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex StreamId();
}
