using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;

namespace NymBridge.Tests.Cluster;

/// <summary>The leader gate over real leases on a real redis-server; a 3 s lease keeps the waits short.</summary>
public sealed class LeaderGateTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private RedisServer _redis = null!;
    private readonly List<IAsyncDisposable> _owned = [];

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync("--appendonly", "no");

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Only_the_leaders_gate_opens_and_its_turn_ends_when_it_stops_so_the_next_ones_opens()
    {
        var a = await StartLeaseAsync("a");
        await a.WaitForLeadershipAsync(default).DefaultTimeout();
        var b = await StartLeaseAsync("b");

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
        var observer = await StartLeaseAsync("observer", eligible: false);
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
        var a = await StartLeaseAsync("a");
        var gate = new LeaderGate(a);
        var turn = await gate.WaitForTurnAsync(default).DefaultTimeout();

        // As if this instance had been paused: Redis answers nothing, so only the lease's own clock can end the turn.
        _redis.Pause();
        try
        {
            var clock = Stopwatch.StartNew();
            await WhenCancelledAsync(turn).DefaultTimeout();
            // What matters: the turn ends before the lease could expire and another instance could take the socket.
            Assert.True(clock.Elapsed < Lease, $"gave up only after {clock.Elapsed}, when the lease of {Lease} may already be another's");
            Assert.True(clock.Elapsed >= a.GiveUpAfter - a.RenewInterval - TimeSpan.FromMilliseconds(100), $"gave up already after {clock.Elapsed}");

            var next = gate.WaitForTurnAsync(default);
            await Task.Delay(a.RenewInterval);
            Assert.False(next.IsCompleted);
        }
        finally
        {
            _redis.Resume();
        }
    }

    private async Task<LeaderLease> StartLeaseAsync(string id, bool eligible = true)
    {
        var connection = await _redis.ConnectFailingFastAsync();
        _owned.Add(connection);
        var options = new ClusterOptions
        {
            Redis = _redis.Configuration,
            InstanceId = id,
            LeaderEligible = eligible,
            AdvertisedUrl = eligible ? $"http://127.0.0.1:5000/{id}" : null,
            InternalKey = new string('k', 32),
            LeaseTime = Lease,
        };
        var lease = new LeaderLease(connection, Options.Create(options), TimeProvider.System, NullLogger<LeaderLease>.Instance);
        _owned.Add(lease);
        await lease.StartAsync(default);
        return lease;
    }

    private static Task WhenCancelledAsync(CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }
}
