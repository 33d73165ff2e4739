using System.Diagnostics;
using NymBridge.Api.Cluster;

namespace NymBridge.Tests.Cluster;

/// <summary>The leader gate over real leases on a real redis-server; a 3 s lease keeps the waits short.</summary>
public sealed class LeaderGateTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private LeaseFixture _leases = null!;

    public async Task InitializeAsync() => _leases = await LeaseFixture.StartAsync(Lease);

    public async Task DisposeAsync() => await _leases.DisposeAsync();

    [Fact]
    public async Task Only_the_leaders_gate_opens_and_its_turn_ends_when_it_stops_so_the_next_ones_opens()
    {
        var a = await _leases.StartLeaseAsync("a");
        await a.WaitForLeadershipAsync(default).DefaultTimeout();
        var b = await _leases.StartLeaseAsync("b");

        var turnA = await new LeaderGate(a).WaitForTurnAsync(default).DefaultTimeout();
        var waitingB = new LeaderGate(b).WaitForTurnAsync(default);
        // Several of b's attempts to take the lease later, its gate is still shut.
        await Task.Delay(Lease);
        Assert.False(waitingB.IsCompleted);
        Assert.False(turnA.IsCancellationRequested);

        await a.StopAsync(default).DefaultTimeout();
        Assert.True(turnA.IsCancellationRequested);
        var turnB = await waitingB.DefaultTimeout();
        Assert.False(turnB.IsCancellationRequested);
        Assert.Equal(ClusterRole.Leader, b.Role);
    }

    [Fact]
    public async Task An_ineligible_instances_gate_never_opens_even_with_no_leader()
    {
        var observer = await _leases.StartLeaseAsync("observer", eligible: false);
        var waiting = new LeaderGate(observer).WaitForTurnAsync(default);
        await Task.Delay(Lease);
        Assert.False(waiting.IsCompleted);

        using var stop = new CancellationTokenSource();
        var cancelled = new LeaderGate(observer).WaitForTurnAsync(stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.DefaultTimeout());
    }

    [Fact]
    public async Task A_leader_whose_redis_stops_answering_ends_its_turn_within_two_thirds_of_the_lease_and_gets_no_new_one()
    {
        var a = await _leases.StartLeaseAsync("a");
        var gate = new LeaderGate(a);
        var turn = await gate.WaitForTurnAsync(default).DefaultTimeout();

        // As if this instance had been paused: Redis answers nothing, so only the lease's own clock can end the turn.
        _leases.Redis.Pause();
        try
        {
            var clock = Stopwatch.StartNew();
            await LeaseFixture.WhenCancelledAsync(turn).DefaultTimeout();
            // What matters: the turn ends before the lease could expire and another instance could take the socket.
            Assert.True(clock.Elapsed < Lease, $"gave up only after {clock.Elapsed}, when the lease of {Lease} may already be another's");
            Assert.True(clock.Elapsed >= a.GiveUpAfter - a.RenewInterval - TimeSpan.FromMilliseconds(100), $"gave up already after {clock.Elapsed}");

            var next = gate.WaitForTurnAsync(default);
            await Task.Delay(a.RenewInterval);
            Assert.False(next.IsCompleted);
        }
        finally
        {
            _leases.Redis.Resume();
        }
    }
}
