namespace NymBridge.Api.Status;

/// <summary>The body of <c>GET /self-address</c>.</summary>
public sealed record SelfAddress(string Address);
