namespace Sluice.Server.Metrics;

/// <summary>GET /metrics, and the middleware that counts HTTP requests by route template and status.</summary>
internal static class MetricsEndpoints
{
    public static IServiceCollection AddNodeMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton(provider => new PrometheusExporter(provider.GetRequiredService<NodeMetrics>().Meter));
        return services;
    }

    /// <summary>
    /// Counts every request once its status is known. Placed inside the exception handler, so a request
    /// that throws is counted as the 500 it becomes, under the route it matched.
    /// </summary>
    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<NodeMetrics>();
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch
            {
                metrics.CountRequest(Route(context), Method(context.Request.Method), StatusCodes.Status500InternalServerError);
                throw;
            }

            metrics.CountRequest(Route(context), Method(context.Request.Method), context.Response.StatusCode);
        });
    }

    public static void MapMetrics(this IEndpointRouteBuilder app)
    {
        // Built now, not on the first scrape: the metrics must see every session and request from the start.
        var exporter = app.ServiceProvider.GetRequiredService<PrometheusExporter>();
        app.MapGet("/metrics", () => Results.Text(exporter.Collect(), PrometheusExporter.ContentType));
    }

    /// <summary>The route template ("/whip/{stream}"), never the path: one series per route, not per stream.</summary>
    private static string Route(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } template } ? template : "none";

    /// <summary>Known methods by name, anything else as "other": a client cannot grow the label set.</summary>
    private static string Method(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "PATCH" or "DELETE" or "OPTIONS" => method,
        _ => "other",
    };
}
