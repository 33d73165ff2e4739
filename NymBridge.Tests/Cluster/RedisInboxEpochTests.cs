using NymBridge.Tests.Common;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;

namespace NymBridge.Tests.Cluster;

/// <summary>A new epoch whenever Redis may have lost writes: each test kills and restarts a server of its own.</summary>
public sealed class RedisInboxEpochTests
{
    private static readonly InboxOptions Bounds = new() { Capacity = 1_000, MaxBytes = 1 << 20 };

    [Fact]
    public async Task A_restart_that_lost_everything_starts_a_new_epoch_for_the_next_read_and_append()
    {
        await using var server = await RedisServer.StartAsync();
        var keys = new RedisInboxKeys("epoch");
        await using var writerConnection = await server.ConnectAsync();
        await using var readerConnection = await server.ConnectAsync();
        var writer = new RedisInboxStore(writerConnection, keys, Bounds);
        var reader = new RedisInboxStore(readerConnection, keys, Bounds);
        await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await reader.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await writer.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        var before = writer.Epoch;

        await server.RestartAsync(keepData: false);
        var read = await reader.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout();
        var appended = await writer.AppendAsync(TestEvents.Many(1, firstIndex: 4), CancellationToken.None).DefaultTimeout();

        Assert.Empty(read);
        Assert.NotEqual(before, reader.Epoch);
        Assert.Equal(reader.Epoch, writer.Epoch); // the read began the epoch, the append found it
        Assert.Equal(1, Assert.Single(appended).Seq);
        Assert.Equal([4], (await reader.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
    }

    [Fact]
    public async Task A_crash_and_restart_from_the_aof_keeps_the_events_but_starts_a_new_epoch()
    {
        // The rule is "a new epoch whenever Redis may have lost writes": the bridge cannot tell an AOF with
        // fsync always from one with everysec that lost its last second, so every new run_id is a new epoch.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var store = new RedisInboxStore(connection, new RedisInboxKeys("epoch"), Bounds);
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await store.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        await store.TakeAsync(2, CancellationToken.None).DefaultTimeout();
        var before = store.Epoch;

        await server.RestartAsync(keepData: true);
        var appended = await store.AppendAsync(TestEvents.Many(1, firstIndex: 4), CancellationToken.None).DefaultTimeout();

        Assert.NotEqual(before, store.Epoch);
        Assert.Equal(4, Assert.Single(appended).Seq);
        Assert.Equal([1, 2, 3, 4], (await store.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
        Assert.Equal([3L, 4], (await store.TakeAsync(10, CancellationToken.None).DefaultTimeout()).Events.Select(e => e.Seq));
    }

    [Fact]
    public async Task Appends_in_the_same_redis_run_keep_the_epoch()
    {
        await using var server = await RedisServer.StartAsync();
        var store = new RedisInboxStore(server.Connection, new RedisInboxKeys("epoch"), Bounds);
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        var epoch = store.Epoch;

        await store.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        await using var reconnected = await server.ConnectAsync();
        var again = new RedisInboxStore(reconnected, new RedisInboxKeys("epoch"), Bounds);
        await again.InitializeAsync(CancellationToken.None).DefaultTimeout();

        Assert.Equal(epoch, store.Epoch);
        Assert.Equal(epoch, again.Epoch);
        Assert.Equal(3, again.GetStats().LastSeq);
    }
}
