using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NymBridge.Api.Nym;

namespace NymBridge.Api.Status;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (connected to nym-client and its address known).</summary>
public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddBridgeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<NymReadyHealthCheck>("nym-client", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Status").WithSummary("Liveness: the bridge process is serving");
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Status").WithSummary("Readiness: connected to nym-client and its self address known (else 503)");
        return routes;
    }

    // Unhealthy is a problem+json like every other error the bridge returns, with Retry-After.
    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        if (report.Status == HealthStatus.Healthy)
        {
            http.Response.ContentType = "application/json";
            return http.Response.WriteAsync(JsonSerializer.Serialize(new { status = "healthy" }));
        }

        http.Response.Headers.RetryAfter = "1";
        var detail = string.Join(" ", report.Entries.Values.Select(e => e.Description).Where(d => d is not null));
        return Results.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The bridge is not ready.").ExecuteAsync(http);
    }
}

internal sealed class NymReadyHealthCheck(INymConnection nym) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = nym.GetStatus();
        return Task.FromResult(
            !status.Connected ? HealthCheckResult.Unhealthy($"Not connected to nym-client at {status.ClientUrl}; reconnecting." + (status.LastError is null ? "" : $" Last error: {status.LastError}"))
            : nym.SelfAddress is null ? HealthCheckResult.Unhealthy("Connected, waiting for nym-client to report its address.")
            : HealthCheckResult.Healthy("Connected to nym-client."));
    }
}
