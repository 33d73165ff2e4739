using NymBridge.Api.Nym;

namespace NymBridge.Api.Status;

// Each component is a part's own record (IStatusContributor<TStatus>), held as object so each serializes as itself
// (and openapi.json keeps its open components map).
/// <summary>What <c>/status</c> shows: the nym-client connection and each part's own counters.</summary>
public sealed record BridgeStatus(NymConnectionStatus NymClient, IReadOnlyDictionary<string, object> Components);
