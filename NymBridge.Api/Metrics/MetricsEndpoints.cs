using OpenTelemetry.Metrics;

namespace NymBridge.Api.Metrics;

public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    /// <summary>
    /// Maps <c>GET /metrics</c> (Prometheus text format) when metrics are enabled. An ordinary endpoint,
    /// so the API key's fallback policy covers it like everything but <c>/health/*</c>, and it is in
    /// the OpenAPI document.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        if (routes.ServiceProvider.GetService<MeterProvider>() is not { } provider)
        {
            return routes;
        }

        // Built now, not at the first send: its observable instruments must exist before the first scrape.
        routes.ServiceProvider.GetRequiredService<BridgeMetrics>();

        // The exporter's own MapPrometheusScrapingEndpoint maps a bare RequestDelegate, which the OpenAPI
        // document cannot see; its middleware (internal) run as a pipeline inside a handler can be described.
        var scrape = routes.CreateApplicationBuilder()
            .UseOpenTelemetryPrometheusScrapingEndpoint(provider, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null)
            .Build();
        // A result type, so that this is a handler with metadata rather than a bare RequestDelegate.
        routes.MapGet(Path, async (HttpContext http) =>
            {
                await scrape(http);
                return TypedResults.Empty;
            })
            .WithTags("Status")
            .WithName("GetMetrics")
            .WithSummary("Metrics for Prometheus")
            .WithDescription("The Prometheus text exposition format: the nymbridge_* families (sends, nym-client connection and frames, " +
                             "inbox, subscribers), ASP.NET Core's and Kestrel's http_server_* and kestrel_* families and the .NET runtime's. " +
                             "No label holds an address, sender tag, payload or key. Off with Bridge:Metrics:Enabled=false.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return routes;
    }
}
