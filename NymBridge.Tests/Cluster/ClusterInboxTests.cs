using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Api.Realtime;
using NymBridge.Tests.Inbox;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// Two bridge instances in one test process sharing one real Redis: what one instance's inbox holds, the other's
/// long polls, SSE streams and SignalR connections deliver, in order; queue reads share one cursor; a Redis that
/// lost everything, or retention past a cursor, is said, never silent.
/// </summary>
[Collection(SharedRedis.Name)]
public sealed class ClusterInboxTests(RedisServer redis)
{
    private string Redis => "!" + redis.SocketPath;

    private static string NewName() => "ci" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Appends as the leader's writer does: straight into the shared inbox.</summary>
    private static async Task<RedisInboxStore> OpenWriterAsync(IConnectionMultiplexer connection, string name, long capacity = 100_000)
    {
        var store = new RedisInboxStore(connection, new RedisInboxKeys(name), new InboxOptions { Capacity = capacity, MaxBytes = 1L << 30 });
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        return store;
    }

    [Fact]
    public async Task Long_polls_SSE_and_SignalR_on_both_instances_see_every_event_appended_to_the_shared_inbox_in_order()
    {
        const int Total = 300;
        var name = NewName();
        await using var a = await ClusterInboxHost.StartAsync(Redis, name, "a");
        await using var b = await ClusterInboxHost.StartAsync(Redis, name, "b");
        var writer = await OpenWriterAsync(redis.Connection, name);

        var readers = new List<Task<List<long>>>();
        var hubs = new List<HubConnection>();
        foreach (var host in new[] { a, b })
        {
            var (hub, hubEvents) = await ConnectHubAsync(host);
            hubs.Add(hub);
            readers.Add(CollectAsync(hubEvents, Total));
            readers.Add(await StreamSseAsync(host, Total));
            readers.Add(LongPollReplayAsync(host, Total));
        }

        try
        {
            for (var batch = 0; batch < Total / 30; batch++)
            {
                await writer.AppendAsync(TestEvents.Many(30, firstIndex: 1 + (batch * 30)), CancellationToken.None).DefaultTimeout();
            }

            foreach (var reader in readers)
            {
                // Contiguous, in order, no duplicates, and each seq's own payload.
                Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), await reader.DefaultTimeout());
            }
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Queue_reads_on_both_instances_take_every_event_exactly_once()
    {
        const int Total = 400;
        var name = NewName();
        await using var a = await ClusterInboxHost.StartAsync(Redis, name, "a");
        await using var b = await ClusterInboxHost.StartAsync(Redis, name, "b");
        var writer = await OpenWriterAsync(redis.Connection, name);
        var taken = new ConcurrentBag<long>();
        var readers = new[] { a, b, a, b }.Select(host => TakeUntilAsync(host, taken, Total)).ToList();

        for (var batch = 0; batch < Total / 20; batch++)
        {
            await writer.AppendAsync(TestEvents.Many(20, firstIndex: 1 + (batch * 20)), CancellationToken.None).DefaultTimeout();
        }

        var perReader = await Task.WhenAll(readers).DefaultTimeout();
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), taken.Order());
        Assert.All(perReader, seqs => Assert.Equal(seqs.Order(), seqs)); // each reader's own takes in order
    }

    [Fact]
    public async Task After_Redis_restarts_without_its_data_a_replay_with_the_old_epoch_says_reset_and_open_streams_end()
    {
        await using var own = await RedisServer.StartAsync();
        var name = NewName();
        await using var host = await ClusterInboxHost.StartAsync("!" + own.SocketPath, name, "a");
        var writer = await OpenWriterAsync(own.Connection, name);
        await writer.AppendAsync(TestEvents.Many(5), CancellationToken.None).DefaultTimeout();
        var before = await ReadAsync(host, "/messages?after=0&wait=0");
        var oldEpoch = before.GetProperty("epoch").GetString()!;
        Assert.Equal(5, before.GetProperty("messages").GetArrayLength());

        using var stream = await host.Client.GetAsync($"/messages/stream?after=5&epoch={oldEpoch}", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var sse = new SseReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("ready", (await sse.NextAsync().DefaultTimeout()).Event);
        await writer.AppendAsync(TestEvents.Many(1, firstIndex: 6), CancellationToken.None).DefaultTimeout();
        Assert.Equal(6, SeqOf((await sse.NextAsync().DefaultTimeout()).Data)); // the stream is live, not catching up

        await own.RestartAsync(keepData: false);

        // Until the instance's connection is back, reads fail as Redis does; then the first says reset.
        var after = await Eventually.ProbeUntilAsync(
            async () => await host.Client.GetAsync($"/messages?after=6&epoch={oldEpoch}&wait=0"),
            r => r.IsSuccessStatusCode, "the instance reads Redis again after the restart");
        var reset = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(reset.GetProperty("reset").GetBoolean());
        Assert.NotEqual(oldEpoch, reset.GetProperty("epoch").GetString());
        Assert.Equal(0, reset.GetProperty("messages").GetArrayLength());

        // The SSE stream's seqs meant the old epoch: it ends, and the client's reconnect with its epoch is told to reset.
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await sse.NextAsync().DefaultTimeout());
        using var again = await host.Client.GetAsync($"/messages/stream?after=6&epoch={oldEpoch}", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var resumed = new SseReader(await again.Content.ReadAsStreamAsync());
        Assert.Equal("reset", (await resumed.NextAsync().DefaultTimeout()).Event);
    }

    [Fact]
    public async Task Retention_trimming_past_a_cursor_says_truncated_on_the_other_instance()
    {
        var name = NewName();
        await using var host = await ClusterInboxHost.StartAsync(Redis, name, "b", new Dictionary<string, string?> { ["Inbox:Capacity"] = "10" });
        var writer = await OpenWriterAsync(redis.Connection, name, capacity: 10);
        await writer.AppendAsync(TestEvents.Many(5), CancellationToken.None).DefaultTimeout();
        var first = await ReadAsync(host, "/messages?after=0&wait=0");
        var epoch = first.GetProperty("epoch").GetString()!;
        Assert.False(first.GetProperty("truncated").GetBoolean());

        await writer.AppendAsync(TestEvents.Many(25, firstIndex: 6), CancellationToken.None).DefaultTimeout();

        var page = await ReadAsync(host, $"/messages?after=5&epoch={epoch}&wait=0");
        Assert.True(page.GetProperty("truncated").GetBoolean());
        Assert.False(page.GetProperty("reset").GetBoolean());
        Assert.Equal(Enumerable.Range(21, 10).Select(i => (long)i), page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Status_shows_the_cluster_component_with_the_instance_its_role_and_a_durable_redis()
    {
        var name = NewName();
        await using var host = await ClusterInboxHost.StartAsync(Redis, name, "status-a");

        var cluster = await Eventually.ProbeUntilAsync(
            async () => (await ReadAsync(host, "/status")).GetProperty("components").GetProperty("cluster"),
            c => c.GetProperty("redis").GetProperty("durable").ValueKind != JsonValueKind.Null, "the durability probe answered");

        Assert.Equal("status-a", cluster.GetProperty("instanceId").GetString());
        Assert.Equal("follower", cluster.GetProperty("role").GetString());
        Assert.True(cluster.GetProperty("redis").GetProperty("connected").GetBoolean());
        Assert.True(cluster.GetProperty("redis").GetProperty("durable").GetBoolean());
        Assert.StartsWith("Durable: appendonly yes, appendfsync always", cluster.GetProperty("redis").GetProperty("reason").GetString(), StringComparison.Ordinal);
        // The inbox component is the shared one's: its epoch is Redis's, not a local store's.
        var inbox = (await ReadAsync(host, "/status")).GetProperty("components").GetProperty("inbox");
        var shared = await OpenWriterAsync(redis.Connection, name);
        Assert.Equal(shared.Epoch, inbox.GetProperty("epoch").GetString());
    }

    [Fact]
    public async Task Status_says_why_a_redis_without_an_append_only_file_is_not_durable()
    {
        await using var own = await RedisServer.StartAsync("--appendonly", "no");
        await using var host = await ClusterInboxHost.StartAsync("!" + own.SocketPath, NewName(), "status-b");

        var redisStatus = await Eventually.ProbeUntilAsync(
            async () => (await ReadAsync(host, "/status")).GetProperty("components").GetProperty("cluster").GetProperty("redis"),
            r => r.GetProperty("durable").ValueKind != JsonValueKind.Null, "the durability probe answered");

        Assert.False(redisStatus.GetProperty("durable").GetBoolean());
        Assert.Contains("appendonly is no", redisStatus.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> ReadAsync(ClusterInboxHost host, string path)
    {
        using var response = await host.Client.GetAsync(path).DefaultTimeout();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
    }

    /// <summary>The seq of an event's JSON, after checking that its payload is the one appended with that seq.</summary>
    private static long SeqOf(JsonElement message)
    {
        var seq = message.GetProperty("seq").GetInt64();
        var payload = Convert.FromBase64String(message.GetProperty("messageBase64").GetString()!);
        Assert.Equal(seq, BinaryPrimitives.ReadInt32LittleEndian(payload));
        return seq;
    }

    private static async Task<(HubConnection Hub, Channel<JsonElement> Events)> ConnectHubAsync(ClusterInboxHost host)
    {
        var events = Channel.CreateUnbounded<JsonElement>();
        var statuses = Channel.CreateUnbounded<StatusPush>();
        var hub = host.CreateHubConnection();
        hub.On<JsonElement>("received", e => events.Writer.TryWrite(e));
        hub.On<StatusPush>("status", s => statuses.Writer.TryWrite(s));
        await hub.StartAsync().DefaultTimeout();
        await statuses.Reader.ReadAsync().AsTask().DefaultTimeout(); // subscribed: every event after this is pushed
        return (hub, events);
    }

    private static async Task<List<long>> CollectAsync(Channel<JsonElement> events, int count)
    {
        var seqs = new List<long>(count);
        while (seqs.Count < count)
        {
            seqs.Add(SeqOf(await events.Reader.ReadAsync().AsTask().DefaultTimeout()));
        }

        return seqs;
    }

    /// <summary>Opens the stream (it has said ready when this returns), then reads its events in the background.</summary>
    private static async Task<Task<List<long>>> StreamSseAsync(ClusterInboxHost host, int count)
    {
        var response = await host.Client.GetAsync("/messages/stream?after=0", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var sse = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("ready", (await sse.NextAsync().DefaultTimeout()).Event);
        return ReadAllAsync();

        async Task<List<long>> ReadAllAsync()
        {
            using (response)
            using (sse)
            {
                var seqs = new List<long>(count);
                while (seqs.Count < count)
                {
                    var (_, name, data) = await sse.NextAsync().DefaultTimeout();
                    Assert.Equal("message", name);
                    seqs.Add(SeqOf(data));
                }

                return seqs;
            }
        }
    }

    private static async Task<List<long>> LongPollReplayAsync(ClusterInboxHost host, int count)
    {
        var seqs = new List<long>(count);
        long cursor = 0;
        string? epoch = null;
        while (seqs.Count < count)
        {
            var page = await ReadAsync(host, $"/messages?after={cursor}&wait=10&max=37" + (epoch is null ? "" : $"&epoch={epoch}"));
            Assert.False(page.GetProperty("reset").GetBoolean());
            Assert.False(page.GetProperty("truncated").GetBoolean());
            epoch = page.GetProperty("epoch").GetString();
            seqs.AddRange(page.GetProperty("messages").EnumerateArray().Select(SeqOf));
            cursor = page.GetProperty("cursor").GetInt64();
        }

        return seqs;
    }

    private static async Task<List<long>> TakeUntilAsync(ClusterInboxHost host, ConcurrentBag<long> taken, int total)
    {
        var mine = new List<long>();
        while (taken.Count < total)
        {
            var page = await ReadAsync(host, "/messages?wait=1&max=7");
            Assert.False(page.GetProperty("truncated").GetBoolean());
            foreach (var seq in page.GetProperty("messages").EnumerateArray().Select(SeqOf))
            {
                mine.Add(seq);
                taken.Add(seq);
            }
        }

        return mine;
    }
}
