using Microsoft.Extensions.Diagnostics.HealthChecks;
using NymBridge.Api.Nym;

namespace NymBridge.Api.Status;

/// <summary><c>/health/ready</c>: connected to nym-client and its self address known, or what it is waiting for.</summary>
internal sealed class NymReadyHealthCheck(INymConnection nym) : IHealthCheck
{
    public const string Name = "nym-client";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = nym.GetStatus();
        return Task.FromResult(
            !status.Connected ? HealthCheckResult.Unhealthy($"Not connected to nym-client at {status.ClientUrl}; reconnecting." + (status.LastError is null ? "" : $" Last error: {status.LastError}"))
            : nym.SelfAddress is null ? HealthCheckResult.Unhealthy("Connected, waiting for nym-client to report its address.")
            : HealthCheckResult.Healthy("Connected to nym-client."));
    }
}
