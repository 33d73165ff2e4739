using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// A redis-server of its own and leader leases on it, each instance on a connection of its own (with the short
/// timeouts of <see cref="RedisServer.ConnectFailingFastAsync"/>), disposed together, newest first.
/// </summary>
internal sealed class LeaseFixture(RedisServer redis, TimeSpan lease) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public RedisServer Redis { get; } = redis;

    public static async Task<LeaseFixture> StartAsync(TimeSpan lease) => new(await RedisServer.StartAsync("--appendonly", "no"), lease);

    /// <param name="start">False: the lease is made and not started (the test starts it).</param>
    /// <param name="time">The lease's clock (its renewals and its term's timer); the system's unless given.</param>
    public async Task<LeaderLease> StartLeaseAsync(string id, bool eligible = true, bool start = true, TimeProvider? time = null)
    {
        var connection = await Redis.ConnectFailingFastAsync();
        _owned.Add(connection);
        var options = new ClusterOptions
        {
            Redis = Redis.Configuration,
            InstanceId = id,
            LeaderEligible = eligible,
            AdvertisedUrl = eligible ? $"http://127.0.0.1:5000/{id}" : null,
            InternalKey = new string('k', 32),
            LeaseTime = lease,
        };
        var leaderLease = new LeaderLease(connection, Options.Create(options), time ?? TimeProvider.System, NullLogger<LeaderLease>.Instance);
        _owned.Add(leaderLease);
        if (start)
        {
            await leaderLease.StartAsync(default);
        }

        return leaderLease;
    }

    /// <summary>A task that completes when <paramref name="token"/> is cancelled (a turn or a leadership ends).</summary>
    public static Task WhenCancelledAsync(CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }
}
