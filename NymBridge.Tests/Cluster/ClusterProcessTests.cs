using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Protocol;

namespace NymBridge.Tests.Cluster;

/// <summary>One healthy three-instance cluster, shared by the tests that do not break it.</summary>
public sealed class HealthyCluster : IAsyncLifetime
{
    internal ClusterHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await ClusterHarness.StartAsync();

    public async Task DisposeAsync()
    {
        if (Harness is not null)
        {
            await Harness.DisposeAsync();
        }
    }
}

/// <summary>
/// Three real bridge processes, one redis-server, one emulator: what a user of any instance sees is what a user of
/// a single bridge sees. The tests share one cluster and never take it down; each looks only at its own messages.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterProcessTests(HealthyCluster cluster) : IClassFixture<HealthyCluster>
{
    private static readonly NymAddress Other = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    private ClusterHarness Cluster => cluster.Harness;

    [Fact]
    public async Task Exactly_one_instance_holds_the_nym_client_connection_and_all_report_one_leader_and_one_epoch()
    {
        var leader = await Cluster.WaitForRolesAsync();

        Assert.Equal(1, Cluster.Emulator.ConnectionsAccepted);
        Assert.True(Cluster.Emulator.IsClientConnected);
        var views = await Task.WhenAll(Enumerable.Range(0, ClusterHarness.Size).Select(Cluster.ClusterStatusAsync));
        Assert.Equal(["follower", "follower", "leader"], views.Select(v => v!.Role).Order());
        Assert.All(views, v => Assert.Equal(ClusterHarness.InstanceId(leader), v!.Leader));
        Assert.Single(views.Select(v => v!.Term).Distinct());

        await Cluster.Emulator.InjectReceivedAsync("epoch probe"u8.ToArray()).DefaultTimeout();
        var epochs = await Task.WhenAll(Cluster.Instances.Select(async instance =>
        {
            var page = await Eventually.ProbeUntilAsync(
                () => instance.Client.GetFromJsonAsync<JsonElement>("/messages?after=0&max=1&wait=0"),
                p => p.GetProperty("messages").GetArrayLength() > 0,
                "the instance replays the probe");
            return page.GetProperty("epoch").GetString();
        }));
        Assert.Single(epochs.Distinct());
        Assert.False(string.IsNullOrEmpty(epochs[0]));
    }

    [Fact]
    public async Task Sends_through_every_instance_reach_nym_client_byte_for_byte_as_a_single_bridge_writes_them()
    {
        var tag = SenderTag.FromBytes(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());
        var expected = new List<byte[]>();
        for (var i = 0; i < ClusterHarness.Size; i++)
        {
            var instance = Cluster[i];
            var text = $"héllo from {ClusterHarness.InstanceId(i)} 🌍";
            byte[] raw = [0x00, 0xFF, (byte)i, 0x80];

            var send = await instance.Client.PostAsJsonAsync("/send", new { recipient = Other.ToString(), message = text }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Accepted, send.StatusCode);
            expected.Add(RequestCodec.Encode(new SendRequest(Other, Encoding.UTF8.GetBytes(text))));

            var lane = await instance.Client.PostAsJsonAsync("/send", new { recipient = Other.ToString(), message = "lane", connectionId = 40 + i }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, lane.StatusCode);
            Assert.Equal(40 + i, (await lane.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lane").GetInt32());
            expected.Add(RequestCodec.Encode(new SendRequest(Other, "lane"u8.ToArray(), (ulong)(40 + i))));

            var anonymous = await instance.Client.PostAsync(
                $"/send-anonymous?recipient={Uri.EscapeDataString(Other.ToString())}&replySurbs={7 + i}",
                new ByteArrayContent(raw) { Headers = { ContentType = new("application/octet-stream") } }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Accepted, anonymous.StatusCode);
            expected.Add(RequestCodec.Encode(new SendAnonymousRequest(Other, raw, (uint)(7 + i))));

            var reply = await instance.Client.PostAsJsonAsync("/reply", new { senderTag = tag.ToString(), message = $"thanks {i}" }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
            expected.Add(RequestCodec.Encode(new ReplyRequest(tag, Encoding.UTF8.GetBytes($"thanks {i}"))));
        }

        foreach (var frame in expected)
        {
            await Cluster.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().SequenceEqual(frame), TestTimeout.Default).DefaultTimeout();
        }

        Assert.All(expected, frame => Assert.Single(Cluster.Emulator.ReceivedFrames, f => f.Data.AsSpan().SequenceEqual(frame)));
    }

    [Fact]
    public async Task A_thousand_inbound_messages_reach_replays_sse_streams_and_signalr_subscribers_on_every_instance_in_order()
    {
        const int Count = 1000;
        var start = (await Cluster.ReplayAllAsync(0)).Select(e => e.GetProperty("seq").GetInt64()).DefaultIfEmpty(0).Max();
        var prefix = $"burst-{Guid.NewGuid():N}-";

        var streams = new List<(string Where, Task<List<JsonElement>> Events)>();
        var hubs = new List<HubConnection>();
        try
        {
            foreach (var (instance, index) in Cluster.Instances.Select((x, i) => (x, i)))
            {
                // SSE from the cursor before the burst.
                var response = await instance.Client.GetAsync($"/messages/stream?after={start}", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
                response.EnsureSuccessStatusCode();
                var reader = new SseReader(await response.Content.ReadAsStreamAsync());
                var (_, ready, _) = await reader.NextAsync().DefaultTimeout();
                Assert.Equal("ready", ready);
                streams.Add(($"SSE on {index}", ReadEventsAsync(reader, response, Count)));

                // SignalR: connected (status pushed) before the burst, so every event comes live.
                var events = Channel.CreateUnbounded<JsonElement>();
                var statuses = Channel.CreateUnbounded<JsonElement>();
                var hub = new HubConnectionBuilder().WithUrl(new Uri(instance.BaseAddress, "/hubs/messages")).Build();
                hub.On<JsonElement>("received", e => events.Writer.TryWrite(e));
                hub.On<JsonElement>("status", s => statuses.Writer.TryWrite(s));
                hubs.Add(hub);
                await hub.StartAsync().DefaultTimeout();
                await statuses.Reader.ReadAsync().AsTask().DefaultTimeout();
                streams.Add(($"SignalR on {index}", ReadChannelAsync(events.Reader, Count)));
            }

            for (var i = 0; i < Count; i++)
            {
                await Cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes(prefix + i)).DefaultTimeout();
            }

            foreach (var (where, task) in streams)
            {
                AssertInOrder(where, await task.DefaultTimeout(TestTimeout.Default * 2), start, prefix, Count);
            }

            for (var i = 0; i < ClusterHarness.Size; i++)
            {
                AssertInOrder($"replay on {i}", (await Cluster.ReplayAllAsync(i, start)).Take(Count).ToList(), start, prefix, Count);
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
    public async Task Three_concurrent_queue_readers_on_three_instances_take_every_event_exactly_once()
    {
        const int Count = 300;
        var prefix = $"queue-{Guid.NewGuid():N}-";
        var taken = new ConcurrentBag<(int Reader, long Seq, string Message)>();
        using var done = new CancellationTokenSource();
        var seen = 0;

        var readers = Enumerable.Range(0, ClusterHarness.Size).Select(index => Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var page = await Cluster[index].Client.GetFromJsonAsync<JsonElement>("/messages?wait=1&max=25", done.Token);
                foreach (var message in page.GetProperty("messages").EnumerateArray())
                {
                    var text = message.GetProperty("message").GetString() ?? "";
                    taken.Add((index, message.GetProperty("seq").GetInt64(), text));
                    if (text.StartsWith(prefix, StringComparison.Ordinal) && Interlocked.Increment(ref seen) == Count)
                    {
                        await done.CancelAsync();
                    }
                }
            }
        })).ToList();

        for (var i = 0; i < Count; i++)
        {
            await Cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes(prefix + i)).DefaultTimeout();
        }

        try
        {
            await Task.WhenAll(readers).DefaultTimeout();
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // the readers stop by cancelling their long polls
        }

        var mine = taken.Where(t => t.Message.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(Count, mine.Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => prefix + i).Order(), mine.Select(t => t.Message).Order());
        Assert.Equal(mine.Count, mine.Select(t => t.Seq).Distinct().Count());
        Assert.Equal(taken.Count, taken.Select(t => t.Seq).Distinct().Count());
    }

    [Fact]
    public async Task The_same_idempotency_key_on_two_instances_sends_once()
    {
        var key = Guid.NewGuid().ToString("N");
        var text = $"once-{key}";
        var frame = RequestCodec.Encode(new SendRequest(Other, Encoding.UTF8.GetBytes(text)));

        using var first = await Cluster[0].SendTextAsync(Other.ToString(), text, key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await Cluster.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().SequenceEqual(frame), TestTimeout.Default).DefaultTimeout();

        using var second = await Cluster[1].SendTextAsync(Other.ToString(), text, key);
        using var third = await Cluster[2].SendTextAsync(Other.ToString(), text, key);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());

        // Another send after the retries, through the leader, shows the retries had time to be written if they were.
        var marker = RequestCodec.Encode(new SendRequest(Other, Encoding.UTF8.GetBytes(text + "-marker")));
        var leader = await Cluster.FindLeaderAsync();
        using var after = await Cluster[leader].SendTextAsync(Other.ToString(), text + "-marker");
        await Cluster.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().SequenceEqual(marker), TestTimeout.Default).DefaultTimeout();
        Assert.Single(Cluster.Emulator.ReceivedFrames, f => f.Data.AsSpan().SequenceEqual(frame));
    }

    internal static async Task<List<JsonElement>> ReadEventsAsync(SseReader reader, HttpResponseMessage response, int count)
    {
        using (response)
        using (reader)
        {
            var events = new List<JsonElement>();
            while (events.Count < count)
            {
                var (_, name, data) = await reader.NextAsync();
                if (name == "message")
                {
                    events.Add(data);
                }
            }

            return events;
        }
    }

    private static async Task<List<JsonElement>> ReadChannelAsync(ChannelReader<JsonElement> reader, int count)
    {
        var events = new List<JsonElement>();
        while (events.Count < count)
        {
            events.Add(await reader.ReadAsync());
        }

        return events;
    }

    private static void AssertInOrder(string where, List<JsonElement> events, long start, string prefix, int count)
    {
        Assert.True(events.Count == count, $"{where}: {events.Count} events, expected {count}");
        for (var i = 0; i < count; i++)
        {
            Assert.True(start + 1 + i == events[i].GetProperty("seq").GetInt64(), $"{where}: event {i} has seq {events[i].GetProperty("seq")}, expected {start + 1 + i}");
            Assert.Equal(prefix + i, events[i].GetProperty("message").GetString());
        }
    }
}

/// <summary>The process cluster tests run one after another: each starts several processes on a shared machine.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcesses
{
    public const string Name = "Cluster processes";
}
