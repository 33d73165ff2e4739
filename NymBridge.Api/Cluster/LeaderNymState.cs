using NymBridge.Protocol;

namespace NymBridge.Api.Cluster;

/// <summary>The leader's nym-client connection, as it published it in <c>{name}:nym</c>.</summary>
/// <param name="Address">nym-client's self address, once it reported it on the current connection.</param>
/// <param name="Since">When the leader's connection last came or went.</param>
public sealed record LeaderNymState(string InstanceId, bool Connected, NymAddress? Address, DateTimeOffset? Since);
