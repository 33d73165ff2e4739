namespace NymBridge.Api.Status;

/// <summary>The body of a healthy <c>/health/live</c> or <c>/health/ready</c>.</summary>
public sealed record HealthStatusResult(string Status);
