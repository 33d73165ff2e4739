using NymBridge.Api.Nym;

namespace NymBridge.Api.Cluster;

/// <summary>
/// Cluster mode's <see cref="INymConnectionGate"/>: this instance may hold nym-client's socket while it holds the leader lease,
/// and must give it up the moment its term ends (the term's token, cancelled by the lease's own timer without waiting for Redis).
/// </summary>
/// <remarks>An instance that may not lead (<c>Cluster:LeaderEligible=false</c>) never gets a turn: it never connects.</remarks>
public sealed class LeaderGate(LeaderLease lease) : INymConnectionGate
{
    public async Task<CancellationToken> WaitForTurnAsync(CancellationToken cancellationToken)
    {
        if (!lease.Eligible)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        var term = await lease.WaitForLeadershipAsync(cancellationToken);
        return term.Lost;
    }
}
