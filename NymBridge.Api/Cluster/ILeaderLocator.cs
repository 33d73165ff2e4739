namespace NymBridge.Api.Cluster;

/// <summary>Where the leader is, as far as this instance knows; <see cref="LeaderLease"/> is the real one.</summary>
public interface ILeaderLocator
{
    /// <summary>The cached leader (a few seconds old at most), or null when none holds the lease.</summary>
    LeaderInfo? Leader { get; }

    /// <summary>Reads the leader from Redis now.</summary>
    Task<LeaderInfo?> RefreshLeaderAsync();
}
