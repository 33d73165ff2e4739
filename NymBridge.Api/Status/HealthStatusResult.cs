namespace NymBridge.Api.Status;

public sealed record HealthStatusResult(string Status);
