namespace NymBridge.Api.Status;

public sealed record SelfAddress(string Address);
