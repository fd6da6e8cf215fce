using Sluice.Sfu;

namespace Sluice.Server.Auth;

/// <summary>
/// Protects endpoints: <c>.RequireAccess(AccessRight.Publish)</c> on a route handler, a group, or anything
/// else that takes endpoint filters. Refusals are 401/403 problem+json before the handler runs; OPTIONS
/// routes are simply not given a filter (CORS preflight never carries credentials, Fetch §3.2.5).
/// </summary>
public static class AccessEndpointFilters
{
    /// <summary>
    /// Requires <paramref name="right"/> on the stream named by the route value <paramref name="streamRouteValue"/>.
    /// When that is null, or the route has no such value, the right is required node-wide: a static token, or a
    /// JWT with id "*".
    /// </summary>
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder, AccessRight right, string? streamRouteValue = "stream")
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var stream = streamRouteValue is null ? null : http.GetRouteValue(streamRouteValue)?.ToString();
            var decision = await http.RequestServices.GetRequiredService<IAccessChecker>().CheckAsync(http, right, stream).ConfigureAwait(false);
            return decision.IsAllowed ? await next(context).ConfigureAwait(false) : decision.ToResult(http);
        });

    /// <summary>
    /// Requires <paramref name="right"/> in the room named by the route value <paramref name="roomRouteValue"/>, or
    /// in every room when the route has none.
    /// </summary>
    public static TBuilder RequireRoomAccess<TBuilder>(this TBuilder builder, AccessRight right, string roomRouteValue = "room")
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var room = http.GetRouteValue(roomRouteValue)?.ToString();
            var decision = await http.RequestServices.GetRequiredService<IAccessChecker>().CheckRoomAsync(http, right, room, participant: null).ConfigureAwait(false);
            return decision.IsAllowed ? await next(context).ConfigureAwait(false) : decision.ToResult(http);
        });

    /// <summary>
    /// For a session resource (<c>/session/{stream}/{session}</c>): the token that created the session may
    /// change and end it, and so may any token with admin right on its stream. An unknown session passes
    /// (after the token is checked) so that the handler answers 404.
    /// </summary>
    public static TBuilder RequireSessionAccess<TBuilder>(this TBuilder builder, string streamRouteValue = "stream", string sessionRouteValue = "session")
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var checker = http.RequestServices.GetRequiredService<IAccessChecker>();
            var stream = http.GetRouteValue(streamRouteValue)?.ToString() ?? string.Empty;
            var sessionId = http.GetRouteValue(sessionRouteValue)?.ToString() ?? string.Empty;
            var session = await http.RequestServices.GetRequiredService<ISfu>().FindSessionAsync(new RoomId(stream), new SessionId(sessionId), http.RequestAborted).ConfigureAwait(false);
            var decision = session is not null
                ? await checker.CheckSessionAsync(http, stream, sessionId, session.Owner).ConfigureAwait(false)
                : await checker.AuthenticateAsync(http).ConfigureAwait(false);
            return decision.IsAllowed ? await next(context).ConfigureAwait(false) : decision.ToResult(http);
        });

    /// <summary>The caller a filter let through (null when no filter ran); its <see cref="Caller.Owner"/> goes on new sessions.</summary>
    public static Caller? GetCaller(this HttpContext context) =>
        context.Items.TryGetValue(Authorizer.CacheKey, out var value) && value is AccessDecision { IsAllowed: true } decision ? decision.Caller : null;
}
