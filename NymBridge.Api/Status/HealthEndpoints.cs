using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Status;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (connected to nym-client and its address known).</summary>
/// <remarks>
/// Mapped as ordinary endpoints over the framework's <see cref="HealthCheckService"/> rather than with
/// <c>MapHealthChecks</c>, so they appear in the OpenAPI document and fail as problem+json like every other error.
/// </remarks>
public static class HealthEndpoints
{
    internal const string ReadyTag = "ready";

    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        // Open even with an API key: orchestrators and load balancers probe without one.
        var group = routes.MapGroup("/health").WithTags("Status").AllowAnonymous();

        group.MapGet("/live", () => TypedResults.Ok(new HealthStatusResult("healthy")))
            .WithName("Live")
            .WithSummary("Liveness: the bridge process is serving")
            .WithDescription("Always 200 while the process answers HTTP. Open even when an API key is configured.")
            .WithResponseExample(StatusCodes.Status200OK, new HealthStatusResult("healthy"));

        group.MapGet("/ready", ReadyAsync)
            .WithName("Ready")
            .WithSummary("Readiness: connected to nym-client and its self address known")
            .WithDescription("200 when the bridge can send now; otherwise 503 with Retry-After and a detail that says what it is waiting for.")
            .WithResponseExample(StatusCodes.Status200OK, new HealthStatusResult("healthy"))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return group;
    }

    private static async Task<Results<Ok<HealthStatusResult>, ProblemHttpResult>> ReadyAsync(HttpContext http, HealthCheckService health)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(ReadyTag), http.RequestAborted);
        if (report.Status == HealthStatus.Healthy)
        {
            return TypedResults.Ok(new HealthStatusResult("healthy"));
        }

        Problems.RetryAfter(http.Response, TimeSpan.FromSeconds(1));
        var detail = string.Join(" ", report.Entries.Values.Select(e => e.Description).Where(d => d is not null));
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The bridge is not ready.");
    }
}
