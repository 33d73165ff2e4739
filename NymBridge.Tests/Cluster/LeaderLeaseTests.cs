using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using NymBridge.Api.Cluster;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// The lease's give-up timers, run alone: with the other test classes beside it, a fresh-clone CI run saw the term
/// timer (2 s after the last renewal) fire 4.8 s after Redis died, on a thread pool the parallel classes had busy.
/// </summary>
[CollectionDefinition(nameof(LeaderLeaseTests), DisableParallelization = true)]
public sealed class LeaderLeaseTestGroup;

/// <summary>The leader lease against a real redis-server, each instance on a connection of its own; a 3 s lease keeps them short.</summary>
[Collection(nameof(LeaderLeaseTests))]
public sealed class LeaderLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private LeaseFixture _leases = null!;

    public async Task InitializeAsync() => _leases = await LeaseFixture.StartAsync(Lease);

    public async Task DisposeAsync() => await _leases.DisposeAsync();

    [Fact]
    public async Task Two_competing_instances_elect_exactly_one_and_the_follower_knows_its_url()
    {
        var a = await _leases.StartLeaseAsync("a");
        var b = await _leases.StartLeaseAsync("b");

        var first = await Task.WhenAny(a.WaitForLeadershipAsync(default), b.WaitForLeadershipAsync(default)).WaitAsync(Timeout);
        var leadership = await first;
        // Several renewals later it is still exactly one, under the same term.
        await Task.Delay(Lease);

        var (leader, follower) = a.Role == ClusterRole.Leader ? (a, b) : (b, a);
        Assert.Equal(ClusterRole.Leader, leader.Role);
        Assert.Equal(ClusterRole.Follower, follower.Role);
        Assert.Equal(1, leadership.Term);
        Assert.Equal(leadership, leader.Current);
        Assert.False(leadership.Lost.IsCancellationRequested);

        var known = follower.Leader;
        Assert.NotNull(known);
        Assert.Equal(leader.InstanceId, known.InstanceId);
        Assert.Equal(new Uri($"http://127.0.0.1:5000/{leader.InstanceId}"), known.Url);
        Assert.Equal(1, known.Term);
        Assert.Equal(leadership.Since, known.Since);
    }

    [Fact]
    public async Task A_leader_that_stops_renewing_is_replaced_once_its_lease_runs_out_and_not_before()
    {
        var a = await _leases.StartLeaseAsync("a");
        var first = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        var b = await _leases.StartLeaseAsync("b");
        await Eventually.WaitUntilAsync(() => b.Leader?.InstanceId == "a", "b knows a leads", Timeout);

        // As a crash would: no release, the key stays until its TTL runs out.
        await a.DisposeAsync();
        var clock = Stopwatch.StartNew();
        using var connection = await _leases.Redis.ConnectFailingFastAsync();
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync("{nymbridge}:leader");

        var second = await b.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        var took = clock.Elapsed;

        Assert.NotNull(ttl);
        Assert.True(took >= ttl.Value - TimeSpan.FromMilliseconds(100), $"took over after {took}, the old lease had {ttl} left");
        Assert.True(took <= Lease + b.RenewInterval + TimeSpan.FromSeconds(2), $"took over only after {took}");
        Assert.Equal(first.Term + 1, second.Term);
        Assert.Equal("b", (await b.RefreshLeaderAsync())?.InstanceId);
    }

    [Fact]
    public async Task A_leader_that_stops_releases_the_lease_so_the_next_one_takes_over_at_once()
    {
        var a = await _leases.StartLeaseAsync("a");
        var first = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        var b = await _leases.StartLeaseAsync("b");
        await Eventually.WaitUntilAsync(() => b.Leader?.InstanceId == "a", "b knows a leads", Timeout);

        await a.StopAsync(default);
        var clock = Stopwatch.StartNew();
        Assert.True(first.Lost.IsCancellationRequested);

        var second = await b.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        Assert.True(clock.Elapsed < Lease, $"took over after {clock.Elapsed}, not sooner than the lease");
        Assert.Equal(first.Term + 1, second.Term);
    }

    [Fact]
    public async Task A_leader_whose_key_is_taken_reports_lost_at_its_next_renewal()
    {
        var a = await _leases.StartLeaseAsync("a", start: false);
        var changes = a.WatchAsync().GetAsyncEnumerator();
        await a.StartAsync(default);
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(new LeadershipChange(ClusterRole.Leader, 1, "acquired the leader lease"), changes.Current);

        using var connection = await _leases.Redis.ConnectFailingFastAsync();
        await connection.GetDatabase().StringSetAsync("{nymbridge}:leader", "99|0|intruder|http://127.0.0.1:1/", TimeSpan.FromMinutes(1));
        var clock = Stopwatch.StartNew();

        await LeaseFixture.WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
        Assert.True(clock.Elapsed < a.RenewInterval + TimeSpan.FromSeconds(1), $"lost only after {clock.Elapsed}");
        Assert.Equal(ClusterRole.Follower, a.Role);
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(ClusterRole.Follower, changes.Current.Role);
        Assert.Equal(1, changes.Current.Term);
        // The intruder's key is not touched, and this instance now follows it.
        await Eventually.WaitUntilAsync(() => a.Leader?.InstanceId == "intruder", "a sees the intruder lead", Timeout);
        await changes.DisposeAsync();
    }

    [Fact]
    public async Task A_leader_whose_redis_hangs_gives_up_before_its_lease_could_expire()
    {
        var a = await _leases.StartLeaseAsync("a");
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);

        _leases.Redis.Pause();
        try
        {
            var clock = Stopwatch.StartNew();
            await LeaseFixture.WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
            // Its last renewal was sent before the pause, so the key lives at most a lease from then: it gave up in time.
            Assert.True(clock.Elapsed < Lease, $"gave up only after {clock.Elapsed}");
            Assert.True(clock.Elapsed >= a.GiveUpAfter - a.RenewInterval - TimeSpan.FromMilliseconds(100), $"gave up already after {clock.Elapsed}");
            Assert.Equal(ClusterRole.Follower, a.Role);
        }
        finally
        {
            _leases.Redis.Resume();
        }
    }

    [Fact]
    public async Task A_leader_whose_redis_dies_gives_up_within_two_thirds_of_the_lease()
    {
        var a = await _leases.StartLeaseAsync("a");
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);

        await _leases.Redis.KillAsync();
        var clock = Stopwatch.StartNew();
        await LeaseFixture.WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
        Assert.True(clock.Elapsed < Lease, $"gave up only after {clock.Elapsed}");
        Assert.Equal(ClusterRole.Follower, a.Role);
    }

    [Fact]
    public async Task An_ineligible_instance_never_leads_but_follows_the_leader()
    {
        var observer = await _leases.StartLeaseAsync("observer", eligible: false);
        await Task.Delay(Lease);
        Assert.Null(observer.Leader);
        Assert.Equal(ClusterRole.Follower, observer.Role);

        var a = await _leases.StartLeaseAsync("a");
        await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        await Eventually.WaitUntilAsync(() => observer.Leader?.InstanceId == "a", "the observer knows a leads", Timeout);
        Assert.Equal(ClusterRole.Follower, observer.Role);
    }

    [Fact]
    public async Task A_leader_whose_term_its_own_timer_ended_still_deletes_its_key_when_it_stops()
    {
        // Renewals stuck (as behind a busy thread pool) until the term's timer ends it: the key in Redis is still a's.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = await _leases.StartLeaseAsync("a", time: time);
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        time.Advance(a.GiveUpAfter);
        await LeaseFixture.WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
        using var connection = await _leases.Redis.ConnectFailingFastAsync();
        var key = connection.GetDatabase();
        Assert.Equal("a", LeaderInfo.TryParse(await key.StringGetAsync("{nymbridge}:leader"))?.InstanceId);

        // Without the delete, a successor would wait out the rest of a lease nobody renews.
        await a.StopAsync(default);
        Assert.False(await key.KeyExistsAsync("{nymbridge}:leader"));
    }
}
