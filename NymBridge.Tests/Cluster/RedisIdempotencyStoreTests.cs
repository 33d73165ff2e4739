using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;
using NymBridge.Api.Nym;
using NymBridge.Api.Sending;
using NymBridge.Protocol;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>Two store instances on two connections to one real redis-server, as two bridge instances would be.</summary>
public sealed class RedisIdempotencyStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly NymAddress Recipient = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    private static readonly ClientRequest Hello = new SendRequest(Recipient, "hello"u8.ToArray());
    private static readonly ClientRequest Other = new SendRequest(Recipient, "other"u8.ToArray());

    private RedisServer _redis = null!;
    private ConnectionMultiplexer _first = null!, _second = null!;
    private RedisIdempotencyStore _a = null!, _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync("--appendonly", "no");
        _first = await _redis.ConnectFailingFastAsync();
        _second = await _redis.ConnectFailingFastAsync();
        _a = Store(_first);
        _b = Store(_second);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_racing_one_key_send_once_and_the_loser_gets_outcome_unknown_while_it_is_in_flight()
    {
        var sends = 0;
        var gate = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<SendResult> Send()
        {
            Interlocked.Increment(ref sends);
            return gate.Task;
        }

        var racing = new[] { Task.Run(() => _a.RunAsync("order-42", Hello, Send)), Task.Run(() => _b.RunAsync("order-42", Hello, Send)) };
        var loser = await Task.WhenAny(racing).WaitAsync(Timeout);
        Assert.Equal(IdempotencyOutcome.Unknown, await loser);
        // The winner took the key before the loser looked, but may not have called Send yet.
        await Eventually.WaitUntilAsync(() => Volatile.Read(ref sends) == 1, "the winner sends");

        gate.SetResult(new SendResult(5));
        var winner = await racing.Single(t => t != loser).WaitAsync(Timeout);
        Assert.Equal(IdempotencyOutcome.Sent(new SendResult(5)), winner);

        // Completed: both instances now replay the stored result, and nothing is sent again.
        Assert.Equal(IdempotencyOutcome.Replay(new SendResult(5)), await _a.RunAsync("order-42", Hello, Send).WaitAsync(Timeout));
        Assert.Equal(IdempotencyOutcome.Replay(new SendResult(5)), await _b.RunAsync("order-42", Hello, Send).WaitAsync(Timeout));
        Assert.Equal(1, sends);
    }

    [Fact]
    public async Task A_completed_send_replays_its_result_with_lane_on_another_instance_and_refuses_a_different_request()
    {
        var sent = await _a.RunAsync("k1", Hello, () => Task.FromResult(new SendResult(5, Lane: 7, QueueLength: 3))).WaitAsync(Timeout);
        Assert.False(sent.Replayed);

        var replayed = await _b.RunAsync("k1", Hello, () => throw new InvalidOperationException("must not send again")).WaitAsync(Timeout);
        Assert.True(replayed.Replayed);
        Assert.Equal(new SendResult(5, 7, 3), replayed.Result);

        var conflict = await _b.RunAsync("k1", Other, () => throw new InvalidOperationException("must not send")).WaitAsync(Timeout);
        Assert.Equal(IdempotencyOutcome.KeyConflict, conflict);
    }

    [Fact]
    public async Task A_send_whose_instance_died_mid_send_is_never_sent_again_under_its_key()
    {
        var never = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dying = _a.RunAsync("k2", Hello, () => never.Task);
        await WaitForKeyAsync("k2");

        // Its connection goes away before it can record the outcome, as a crash would leave it.
        await _first.CloseAsync(allowCommandsToComplete: false);
        never.SetResult(new SendResult(5));
        Assert.False((await dying.WaitAsync(Timeout)).Replayed);

        var retry = await _b.RunAsync("k2", Hello, () => throw new InvalidOperationException("must not send again")).WaitAsync(Timeout);
        Assert.Equal(IdempotencyOutcome.Unknown, retry);
    }

    [Fact]
    public async Task A_send_that_failed_sent_nothing_so_a_retry_on_another_instance_sends()
    {
        await Assert.ThrowsAsync<NymUnavailableException>(() => _a.RunAsync("k3", Hello, () => throw new NymUnavailableException()).WaitAsync(Timeout));

        var retry = await _b.RunAsync("k3", Hello, () => Task.FromResult(new SendResult(5))).WaitAsync(Timeout);
        Assert.Equal(IdempotencyOutcome.Sent(new SendResult(5)), retry);
    }

    [Fact]
    public async Task The_raw_key_never_reaches_redis()
    {
        const string key = "customer-7-invoice-2026-12";
        await _a.RunAsync(key, Hello, () => Task.FromResult(new SendResult(5))).WaitAsync(Timeout);

        var server = _second.GetServers().Single();
        var keys = server.Keys(pattern: "*").Select(k => (string)k!).ToList();
        var stored = Assert.Single(keys);
        Assert.Equal("{nymbridge}:idem:" + RedisIdempotencyStore.HashKey(key), stored);
        Assert.DoesNotContain(key, (string?)await _second.GetDatabase().StringGetAsync(stored) ?? "");
        var ttl = await _second.GetDatabase().KeyTimeToLiveAsync(stored);
        Assert.InRange(ttl!.Value, IdempotencyStore.Lifetime - TimeSpan.FromMinutes(1), IdempotencyStore.Lifetime);
    }

    [Fact]
    public async Task An_expired_key_sends_again()
    {
        var shortLived = Store(_first, TimeSpan.FromMilliseconds(300));
        await shortLived.RunAsync("k4", Hello, () => Task.FromResult(new SendResult(5))).WaitAsync(Timeout);
        await WaitForKeyAsync("k4", present: false);

        var again = await shortLived.RunAsync("k4", Hello, () => Task.FromResult(new SendResult(6))).WaitAsync(Timeout);
        Assert.Equal(IdempotencyOutcome.Sent(new SendResult(6)), again);
    }

    [Fact]
    public async Task Without_redis_a_keyed_send_is_refused_as_unavailable_and_not_sent()
    {
        await _redis.KillAsync();
        var sends = 0;
        await Assert.ThrowsAsync<NymUnavailableException>(() =>
            _a.RunAsync("k5", Hello, () => { sends++; return Task.FromResult(new SendResult(5)); }).WaitAsync(Timeout));
        Assert.Equal(0, sends);
    }

    private async Task WaitForKeyAsync(string key, bool present = true)
    {
        var entry = "{nymbridge}:idem:" + RedisIdempotencyStore.HashKey(key);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await _second.GetDatabase().KeyExistsAsync(entry) != present)
        {
            Assert.True(clock.Elapsed < Timeout, $"the entry of {key} did not {(present ? "appear" : "expire")}");
            await Task.Delay(20);
        }
    }

    private static RedisIdempotencyStore Store(IConnectionMultiplexer connection, TimeSpan? lifetime = null) =>
        new(connection, Options.Create(new ClusterOptions()), NullLogger<RedisIdempotencyStore>.Instance, lifetime ?? IdempotencyStore.Lifetime);
}
