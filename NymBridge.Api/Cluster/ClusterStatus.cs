using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>The <c>cluster</c> part of <c>/status</c>. Instance ids and URLs only: no key, no secret.</summary>
/// <param name="Role"><c>leader</c> or <c>follower</c>.</param>
/// <param name="Leader">The instance holding the nym-client connection, or null when none holds the lease.</param>
/// <param name="Term">The leader's term: increments on every change of leader.</param>
public sealed record ClusterStatus(string InstanceId, string Role, ClusterLeaderStatus? Leader, long? Term, ClusterRedisStatus Redis)
{
    public const string LeaderRole = "leader", FollowerRole = "follower";

    public static ClusterStatus Build(string instanceId, ClusterRole role, LeaderInfo? leader, bool redisConnected, bool? durable, string? durabilityReason) =>
        new(
            instanceId,
            role == ClusterRole.Leader ? LeaderRole : FollowerRole,
            leader is null ? null : new ClusterLeaderStatus(leader.InstanceId, leader.Url, leader.Since),
            leader?.Term,
            new ClusterRedisStatus(redisConnected, durable, durabilityReason));

    /// <summary>From the lease and the connection; durability comes from the probe of <c>CONFIG GET</c> (null before it ran).</summary>
    public static ClusterStatus Build(LeaderLease lease, IConnectionMultiplexer redis, bool? durable, string? durabilityReason) =>
        Build(lease.InstanceId, lease.Role, lease.Leader, redis.IsConnected, durable, durabilityReason);
}

public sealed record ClusterLeaderStatus(string InstanceId, Uri Url, DateTimeOffset Since);

/// <param name="Durable">Whether Redis keeps acknowledged writes across a restart (appendonly, appendfsync, noeviction); null when unknown.</param>
/// <param name="Reason">Why not, or why unknown, in words an operator can act on.</param>
public sealed record ClusterRedisStatus(bool Connected, bool? Durable, string? Reason);
