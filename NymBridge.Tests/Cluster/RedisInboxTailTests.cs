using NymBridge.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

[Collection(SharedRedis.Name)]
public sealed class RedisInboxTailTests(RedisServer redis)
{
    private static InboxOptions Bounds(long capacity = 100_000) => new() { Capacity = capacity, MaxBytes = 1L << 30 };

    private static RedisInboxKeys NewKeys() => new("t" + Guid.NewGuid().ToString("N"));

    private static async Task<RedisInboxTail> StartTailAsync(IConnectionMultiplexer connection, RedisInboxKeys keys, RecordingObserver observer, TimeProvider time, long capacity = 100_000, TimeSpan? tick = null)
    {
        var store = new RedisInboxStore(connection, keys, Bounds(capacity));
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        var tail = new RedisInboxTail(connection, store, observer, observer, time, NullLogger<RedisInboxTail>.Instance, tick);
        await tail.StartAsync(CancellationToken.None).DefaultTimeout();
        return tail;
    }

    [Fact]
    public async Task Appends_on_one_connection_reach_a_tail_on_another_in_order_woken_by_notifications_alone()
    {
        var keys = NewKeys();
        var writer = new RedisInboxStore(redis.Connection, keys, Bounds());
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await writer.AppendAsync(TestEvents.Many(5), CancellationToken.None).DefaultTimeout(); // before the tail: not a commit for it
        await using var tailConnection = await redis.ConnectAsync();
        var observer = new RecordingObserver();
        var stoppedClock = new FakeTimeProvider(); // never advanced: no tick ever fires
        await using var tail = await StartTailAsync(tailConnection, keys, observer, stoppedClock);

        for (var batch = 0; batch < 50; batch++)
        {
            await writer.AppendAsync(TestEvents.Many(20, firstIndex: 6 + (batch * 20)), CancellationToken.None).DefaultTimeout();
        }

        var events = await observer.EventsAsync(1_000);
        Assert.Equal(Enumerable.Range(6, 1_000).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(6, 1_000), events.Select(TestEvents.IndexOf));
        Assert.Equal(1_005, tail.LastSeq);
    }

    [Fact]
    public async Task Without_its_notification_a_tail_catches_up_on_the_next_tick()
    {
        var keys = NewKeys();
        var writer = new RedisInboxStore(redis.Connection, keys, Bounds());
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await using var tailConnection = await redis.ConnectAsync();
        var observer = new RecordingObserver();
        var clock = new FakeTimeProvider();
        // The tail listens on a channel nobody publishes to: every notification is lost.
        await using var tail = await StartTailAsync(tailConnection, keys with { Notifications = keys.Notifications + ":lost" }, observer, clock);

        await writer.AppendAsync(TestEvents.Many(5), CancellationToken.None).DefaultTimeout();
        await Task.Delay(300); // room for a wrong delivery to show; the clock has not moved, so none may come
        Assert.False(observer.TryNext(out _));

        var events = await AdvanceUntilAsync(clock, observer, 5);

        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Seq));
    }

    [Fact]
    public async Task A_tail_that_falls_behind_retention_reports_the_gap_and_goes_on_after_it()
    {
        var keys = NewKeys();
        var writer = new RedisInboxStore(redis.Connection, keys, Bounds(capacity: 5));
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await using var tailConnection = await redis.ConnectAsync();
        var observer = new RecordingObserver();
        var clock = new FakeTimeProvider();
        await using var tail = await StartTailAsync(tailConnection, keys with { Notifications = keys.Notifications + ":lost" }, observer, clock, capacity: 5);
        await writer.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        Assert.Equal([1L, 2, 3], (await AdvanceUntilAsync(clock, observer, 3)).Select(e => e.Seq));

        await writer.AppendAsync(TestEvents.Many(10, firstIndex: 4), CancellationToken.None).DefaultTimeout(); // 4..8 evicted unseen
        var gap = await AdvanceUntilAsync<RecordingObserver.Gap>(clock, observer);
        var after = Assert.IsType<InboxEvent[]>(await observer.NextAsync());

        Assert.Equal(new RecordingObserver.Gap(3, 9), gap);
        Assert.Equal([9L, 10, 11, 12, 13], after.Select(e => e.Seq));
        Assert.Equal(1, tail.Gaps);
    }

    [Fact]
    public async Task Disposing_the_tail_closes_the_observer()
    {
        var observer = new RecordingObserver();
        var tail = await StartTailAsync(redis.Connection, NewKeys(), observer, TimeProvider.System);

        await tail.DisposeAsync().DefaultTimeout();

        Assert.IsType<RecordingObserver.Closed>(await observer.NextAsync());
    }

    [Fact]
    public async Task After_redis_restarts_empty_the_tail_reports_the_new_epoch_then_delivers_its_appends()
    {
        await using var server = await RedisServer.StartAsync();
        var keys = new RedisInboxKeys("tail");
        var writer = new RedisInboxStore(server.Connection, keys, Bounds());
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await using var tailConnection = await server.ConnectAsync();
        var observer = new RecordingObserver();
        await using var tail = await StartTailAsync(tailConnection, keys, observer, TimeProvider.System, tick: TimeSpan.FromMilliseconds(100));
        await writer.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        Assert.Equal([1L, 2, 3], (await observer.EventsAsync(3)).Select(e => e.Seq));
        var before = writer.Epoch;

        await server.RestartAsync(keepData: false);
        var change = Assert.IsType<RecordingObserver.EpochChange>(await observer.NextAsync()); // the tick's read began the epoch
        await writer.AppendAsync(TestEvents.Many(2, firstIndex: 4), CancellationToken.None).DefaultTimeout();
        var next = await observer.EventsAsync(2);

        Assert.Equal((before, 0L), (change.Previous, change.LastSeq));
        Assert.NotEqual(before, change.Epoch);
        Assert.Equal(change.Epoch, writer.Epoch);
        Assert.Equal([1L, 2], next.Select(e => e.Seq));
        Assert.Equal([4, 5], next.Select(TestEvents.IndexOf));
    }

    private static async Task<List<InboxEvent>> AdvanceUntilAsync(FakeTimeProvider clock, RecordingObserver observer, int count)
    {
        var events = new List<InboxEvent>();
        while (events.Count < count)
        {
            events.AddRange(await AdvanceUntilAsync<InboxEvent[]>(clock, observer));
        }

        return events;
    }

    /// <summary>Moves the clock a tick at a time (the tail may not be waiting yet when it first moves) until the next call comes.</summary>
    private static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider clock, RecordingObserver observer)
    {
        using var timeout = new CancellationTokenSource(TestTimeout.Default);
        while (true)
        {
            if (observer.TryNext(out var call))
            {
                return Assert.IsType<T>(call);
            }

            timeout.Token.ThrowIfCancellationRequested();
            clock.Advance(RedisInboxTail.DefaultTick);
            await Task.Delay(20);
        }
    }
}
