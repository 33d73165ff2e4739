using NymBridge.Tests.Common;
using System.Diagnostics;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;
using Xunit.Abstractions;

namespace NymBridge.Tests.Cluster;

/// <summary>What the Redis store adds to the store contract: several instances on one log.</summary>
[Collection(SharedRedis.Name)]
public sealed class RedisInboxStoreTests(RedisServer redis, ITestOutputHelper output)
{
    private static InboxOptions Bounds(long capacity = 100_000, long maxBytes = 1L << 30) => new() { Capacity = capacity, MaxBytes = maxBytes };

    private static RedisInboxKeys NewKeys() => new("t" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Two_instances_taking_concurrently_take_every_event_exactly_once()
    {
        var keys = NewKeys();
        await using var one = await redis.ConnectAsync();
        await using var other = await redis.ConnectAsync();
        var stores = new[] { new RedisInboxStore(one, keys, Bounds()), new RedisInboxStore(other, keys, Bounds()) };
        foreach (var store in stores)
        {
            await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        }

        Assert.Equal(stores[0].Epoch, stores[1].Epoch);
        await stores[0].AppendAsync(TestEvents.Many(3_000), CancellationToken.None).DefaultTimeout();

        var takers = stores.SelectMany(store => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>();
            while ((await store.TakeAsync(13, CancellationToken.None).DefaultTimeout()).Events is { Count: > 0 } events)
            {
                mine.AddRange(events.Select(e => e.Seq));
            }

            return mine;
        }))).ToArray();
        var taken = await Task.WhenAll(takers).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 3_000).Select(i => (long)i), taken.SelectMany(x => x).Order());
        Assert.All(taken, mine => Assert.NotEmpty(mine)); // both instances really took part
        Assert.Equal(3_000, stores[1].GetStats().QueueCursor);
    }

    [Fact]
    public async Task Trimming_past_a_replay_cursor_shows_as_a_first_seq_beyond_the_next()
    {
        var keys = NewKeys();
        var writer = new RedisInboxStore(redis.Connection, keys, Bounds(capacity: 5));
        await using var otherConnection = await redis.ConnectAsync();
        var reader = new RedisInboxStore(otherConnection, keys, Bounds(capacity: 5));
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await reader.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await writer.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        var cursor = (await reader.ReadAfterAsync(0, 100, CancellationToken.None).DefaultTimeout())[^1].Seq;

        await writer.AppendAsync(TestEvents.Many(10, firstIndex: 4), CancellationToken.None).DefaultTimeout();
        var page = await reader.ReadPageAsync(cursor, 100, CancellationToken.None).DefaultTimeout();

        Assert.Equal(3, cursor);
        Assert.Equal([9L, 10, 11, 12, 13], page.Events.Select(e => e.Seq)); // Redis says nothing about 4..8: the seqs do
        Assert.True(page.Events[0].Seq > cursor + 1);
        Assert.Equal((9L, 13L, 8L), (page.Stats.FirstSeq, page.Stats.LastSeq, page.Stats.Evicted));
        Assert.Equal(writer.Epoch, page.Epoch);
    }

    [Fact]
    public async Task A_reader_on_another_connection_sees_the_state_of_the_writer_after_its_next_read()
    {
        var keys = NewKeys();
        var writer = new RedisInboxStore(redis.Connection, keys, Bounds());
        await using var otherConnection = await redis.ConnectAsync();
        var reader = new RedisInboxStore(otherConnection, keys, Bounds());
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await reader.InitializeAsync(CancellationToken.None).DefaultTimeout();

        await writer.AppendAsync(TestEvents.Many(4, size: 10), CancellationToken.None).DefaultTimeout();
        await writer.TakeAsync(1, CancellationToken.None).DefaultTimeout();
        var events = await reader.ReadAfterAsync(0, 100, CancellationToken.None).DefaultTimeout();

        Assert.Equal([1, 2, 3, 4], events.Select(TestEvents.IndexOf));
        Assert.Equal(new InboxStats(Count: 4, Bytes: 40, FirstSeq: 1, LastSeq: 4, QueueCursor: 1, Dropped: 0, Evicted: 0), reader.GetStats());
    }

    [Fact]
    public async Task Payloads_are_stored_as_raw_bytes_whatever_they_hold()
    {
        var store = new RedisInboxStore(redis.Connection, NewKeys(), Bounds());
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        var payload = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 31)).ToArray(); // every byte value, CR LF and NUL too
        var sent = new InboxEvent(0, InboxEventType.Received, TestEvents.ReceivedAt, payload, TestEvents.Tag);

        await store.AppendAsync([sent], CancellationToken.None).DefaultTimeout();
        var read = Assert.Single(await store.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout());

        Assert.Equal(payload, read.Payload.ToArray());
        Assert.Equal(TestEvents.Tag, read.SenderTag);
        Assert.Equal(1 << 20, store.GetStats().Bytes);
    }

    [Fact]
    public async Task Inbox_keys_lost_behind_the_bridge_s_back_start_a_new_epoch_with_seqs_going_on()
    {
        // What an eviction policy other than noeviction can do: the stream goes, the state hash stays.
        var keys = NewKeys();
        var store = new RedisInboxStore(redis.Connection, keys, Bounds());
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await store.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        var before = store.Epoch;

        await redis.Connection.GetDatabase().KeyDeleteAsync(keys.Stream).DefaultTimeout();
        var read = await store.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout();
        var appended = await store.AppendAsync(TestEvents.Many(1, firstIndex: 4), CancellationToken.None).DefaultTimeout();

        Assert.Empty(read);
        Assert.NotEqual(before, store.Epoch);
        Assert.Equal(4, Assert.Single(appended).Seq);
        Assert.Equal(new InboxStats(Count: 1, Bytes: 8, FirstSeq: 4, LastSeq: 4, QueueCursor: 3, Dropped: 0, Evicted: 0), store.GetStats());
    }

    /// <summary>A measurement, not a target: the figure goes to the test output (and the lead's notes).</summary>
    [Fact]
    public async Task Batched_appends_with_fsync_always_measured()
    {
        const int Batches = 20, BatchSize = 1_000, PayloadSize = 200;
        var store = new RedisInboxStore(redis.Connection, NewKeys(), Bounds(capacity: 10_000));
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        var batch = TestEvents.Many(BatchSize, size: PayloadSize);
        await store.AppendAsync(batch, CancellationToken.None).DefaultTimeout(); // warm-up: script load, first stream node

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Batches; i++)
        {
            await store.AppendAsync(batch, CancellationToken.None).DefaultTimeout();
        }

        clock.Stop();
        var perSecond = Batches * BatchSize / clock.Elapsed.TotalSeconds;
        output.WriteLine($"Redis inbox append, appendfsync always, unix socket: {Batches} batches of {BatchSize} events of {PayloadSize} B in {clock.Elapsed.TotalMilliseconds:F0} ms = {perSecond:F0} events/s ({clock.Elapsed.TotalMilliseconds / Batches:F1} ms per batch)");
        var stats = store.GetStats();
        Assert.Equal(((Batches + 1) * BatchSize, 10_000L), (stats.LastSeq, stats.Count));
    }
}
