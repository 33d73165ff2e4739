using NymBridge.Api.Status;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>The <c>cluster</c> component of <c>/status</c>: this instance, its role, the leader and the Redis behind them.</summary>
internal sealed class ClusterStatusContributor(LeaderLease lease, IConnectionMultiplexer redis, ClusterStatusDurability durability)
    : IStatusContributor<ClusterStatus>
{
    public string Name => "cluster";

    public ClusterStatus GetStatus()
    {
        var report = durability.Report;
        return ClusterStatus.Build(lease, redis, report?.Durable, report?.Reason ?? durability.Pending);
    }
}
