using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Cluster;

/// <summary>
/// <see cref="INymConnection"/> in cluster mode, so REST sends, hub sends, webhook replies and lane requests work on
/// every instance: on the leader it is the local <see cref="NymConnection"/>; on a follower each request is encoded
/// here (the bytes the leader then writes as they are, as single mode would) and forwarded to the leader
/// (<see cref="LeaderForwarder"/>), and the connection state and self address are the leader's (<see cref="NymStatePublisher"/>).
/// </summary>
public sealed class ClusterNymConnection(NymConnection local, LeaderLease lease, LeaderForwarder forwarder, NymStatePublisher state) : INymConnection
{
    private bool Leads => lease.Role == ClusterRole.Leader;

    public Task SendAsync(ClientRequest request, CancellationToken cancellationToken) =>
        Leads ? local.SendAsync(request, cancellationToken) : ForwardAsync(request, lane: null, cancellationToken);

    public async Task<LaneQueueLengthResponse> SendForLaneAsync(ClientRequest request, ulong lane, CancellationToken cancellationToken) =>
        Leads
            ? await local.SendForLaneAsync(request, lane, cancellationToken)
            : await ForwardAsync(request, lane, cancellationToken)
              ?? throw new InvalidOperationException("The leader answered a lane request without the lane's queue length.");

    public NymAddress? SelfAddress => Leads ? local.SelfAddress : state.View is { Connected: true } leader ? leader.Address : null;

    public async Task<NymAddress> WaitForSelfAddressAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the check, so a change in between wakes the wait.
            var change = NextStatusChange;
            if (SelfAddress is { } address)
            {
                return address;
            }

            if (!Leads)
            {
                state.RequestRefresh();
            }

            await change.WaitAsync(cancellationToken);
        }
    }

    /// <summary>On a follower: the leader's connection (connected, since, address) with this instance's own counters.</summary>
    public NymConnectionStatus GetStatus()
    {
        var own = local.GetStatus();
        if (Leads)
        {
            return own;
        }

        return state.View is { } leader
            ? own with { Connected = leader.Connected, Since = leader.Since, SelfAddress = leader.Connected ? leader.Address?.ToString() : null }
            : own with
            {
                Connected = false,
                Since = null,
                SelfAddress = null,
                LastError = "No instance of the cluster reports a nym-client connection: no leader, or it has not published its state yet.",
            };
    }

    public Task NextStatusChange => Task.WhenAny(local.NextStatusChange, state.NextChange);

    private Task<LaneQueueLengthResponse?> ForwardAsync(ClientRequest request, ulong? lane, CancellationToken cancellationToken) =>
        forwarder.ForwardAsync(RequestCodec.Encode(request), lane, cancellationToken);
}
