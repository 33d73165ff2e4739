using NymBridge.Api.Nym;

namespace NymBridge.Api.Status;

/// <summary>What <c>/status</c> shows: the nym-client connection and each part's own counters.</summary>
/// <remarks>The components are each a part's own record (<see cref="IStatusContributor{TStatus}"/>), kept as objects so each serializes as itself.</remarks>
public sealed record BridgeStatus(NymConnectionStatus NymClient, IReadOnlyDictionary<string, object> Components);
