using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>The leader lease against a real redis-server, each instance on a connection of its own; a 3 s lease keeps them short.</summary>
public sealed class LeaderLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
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
    public async Task Two_competing_instances_elect_exactly_one_and_the_follower_knows_its_url()
    {
        var a = await StartLeaseAsync("a");
        var b = await StartLeaseAsync("b");

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
        var a = await StartLeaseAsync("a");
        var first = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        var b = await StartLeaseAsync("b");
        await WaitUntilAsync(() => b.Leader?.InstanceId == "a");

        // As a crash would: no release, the key stays until its TTL runs out.
        await a.DisposeAsync();
        var clock = Stopwatch.StartNew();
        using var connection = await _redis.ConnectFailingFastAsync();
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
        var a = await StartLeaseAsync("a");
        var first = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        var b = await StartLeaseAsync("b");
        await WaitUntilAsync(() => b.Leader?.InstanceId == "a");

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
        var a = await StartLeaseAsync("a", start: false);
        var changes = a.WatchAsync().GetAsyncEnumerator();
        await a.StartAsync(default);
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(new LeadershipChange(ClusterRole.Leader, 1, "acquired the leader lease"), changes.Current);

        using var connection = await _redis.ConnectFailingFastAsync();
        await connection.GetDatabase().StringSetAsync("{nymbridge}:leader", "99|0|intruder|http://127.0.0.1:1/", TimeSpan.FromMinutes(1));
        var clock = Stopwatch.StartNew();

        await WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
        Assert.True(clock.Elapsed < a.RenewInterval + TimeSpan.FromSeconds(1), $"lost only after {clock.Elapsed}");
        Assert.Equal(ClusterRole.Follower, a.Role);
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(ClusterRole.Follower, changes.Current.Role);
        Assert.Equal(1, changes.Current.Term);
        // The intruder's key is not touched, and this instance now follows it.
        await WaitUntilAsync(() => a.Leader?.InstanceId == "intruder");
        await changes.DisposeAsync();
    }

    [Fact]
    public async Task A_leader_whose_redis_hangs_gives_up_before_its_lease_could_expire()
    {
        var a = await StartLeaseAsync("a");
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);

        _redis.Pause();
        try
        {
            var clock = Stopwatch.StartNew();
            await WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
            // Its last renewal was sent before the pause, so the key lives at most a lease from then: it gave up in time.
            Assert.True(clock.Elapsed < Lease, $"gave up only after {clock.Elapsed}");
            Assert.True(clock.Elapsed >= a.GiveUpAfter - a.RenewInterval - TimeSpan.FromMilliseconds(100), $"gave up already after {clock.Elapsed}");
            Assert.Equal(ClusterRole.Follower, a.Role);
        }
        finally
        {
            _redis.Resume();
        }
    }

    [Fact]
    public async Task A_leader_whose_redis_dies_gives_up_within_two_thirds_of_the_lease()
    {
        var a = await StartLeaseAsync("a");
        var leadership = await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);

        await _redis.KillAsync();
        var clock = Stopwatch.StartNew();
        await WhenCancelledAsync(leadership.Lost).WaitAsync(Timeout);
        Assert.True(clock.Elapsed < Lease, $"gave up only after {clock.Elapsed}");
        Assert.Equal(ClusterRole.Follower, a.Role);
    }

    [Fact]
    public async Task An_ineligible_instance_never_leads_but_follows_the_leader()
    {
        var observer = await StartLeaseAsync("observer", eligible: false);
        await Task.Delay(Lease);
        Assert.Null(observer.Leader);
        Assert.Equal(ClusterRole.Follower, observer.Role);

        var a = await StartLeaseAsync("a");
        await a.WaitForLeadershipAsync(default).WaitAsync(Timeout);
        await WaitUntilAsync(() => observer.Leader?.InstanceId == "a");
        Assert.Equal(ClusterRole.Follower, observer.Role);
    }

    private async Task<LeaderLease> StartLeaseAsync(string id, bool eligible = true, bool start = true)
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
        if (start)
        {
            await lease.StartAsync(default);
        }

        return lease;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }

    private static Task WhenCancelledAsync(CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }
}
