using Sluice.Server.Auth;
using Sluice.Server.Whip;
using Sluice.Sfu;

namespace Sluice.Server.Health;

/// <summary>Readiness and drain: GET /readyz, POST /api/drain. (GET /healthz, liveness, is mapped with the app.)</summary>
internal static class HealthEndpoints
{
    public static IServiceCollection AddDrain(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DrainOptions>()
            .Bind(configuration.GetSection(DrainOptions.Section))
            .Validate(o => o.DeadlineSeconds is >= 0 and <= 86_400, "Drain:DeadlineSeconds must be 0 to 86400 (seconds to wait for sessions before exiting)")
            .Validate(o => o.RetryAfterSeconds >= 1, "Drain:RetryAfterSeconds must be 1 or more")
            .ValidateOnStart();
        services.AddSingleton<DrainCoordinator>();
        services.AddSingleton<IHostLifetime, DrainingLifetime>();
        return services;
    }

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        // 503 while draining takes the node out of a load balancer's rotation; liveness (/healthz) stays 200.
        app.MapGet("/readyz", (DrainCoordinator drain) => drain.IsDraining
            ? Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Draining", $"the node is draining and takes no new sessions; it stops by {drain.Deadline:O}")
            : Results.Text("ready"));
        app.MapPost("/api/drain", (DrainCoordinator drain, SfuNode node) =>
        {
            var started = drain.Start("POST /api/drain");
            return Results.Json(new DrainStatus(started, drain.Deadline, DrainCoordinator.SessionCount(node)), statusCode: StatusCodes.Status202Accepted);
        }).RequireAccess(AccessRight.Admin, streamRouteValue: null);
    }

    /// <summary>The answer to POST /api/drain: whether this request started the drain, when the node stops at the latest, sessions still live.</summary>
    internal sealed record DrainStatus(bool Started, DateTimeOffset? Deadline, int Sessions);
}
