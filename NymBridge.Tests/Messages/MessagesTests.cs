using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NymBridge.Protocol;

namespace NymBridge.Tests.Messages;

/// <summary>GET /messages (queue and replay), payload downloads and SSE, with events injected by the emulator.</summary>
public class MessagesTests
{
    private const int Events = 10_000;

    [Fact]
    public async Task Ten_thousand_events_are_replayed_in_order_then_queue_read_exactly_once()
    {
        await using var host = await BridgeHost.StartAsync();
        var injected = await host.InjectMixAsync(Events);
        await host.WaitForCommittedAsync(Events);

        var replay = await ReadAllAsync(host, after: 0);
        var queue = await ReadAllAsync(host, after: null);
        var again = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=0");

        Assert.Equal(Enumerable.Range(1, Events).Select(i => (long)i), replay.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(Enumerable.Range(1, Events).Select(i => (long)i), queue.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Empty(again.GetProperty("messages").EnumerateArray());
        for (var i = 0; i < Events; i++)
        {
            injected[i].AssertIs(queue[i]);
        }
    }

    [Fact]
    public async Task Replay_takes_nothing_and_continues_from_its_cursor()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.InjectMixAsync(30);
        await host.WaitForCommittedAsync(30);

        var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?after=10&max=5&wait=0");
        var queue = await host.Client.GetFromJsonAsync<JsonElement>("/messages?max=100&wait=0");

        Assert.Equal([11L, 12, 13, 14, 15], page.GetProperty("messages").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(15, page.GetProperty("cursor").GetInt64());
        Assert.False(page.GetProperty("reset").GetBoolean());
        Assert.False(page.GetProperty("truncated").GetBoolean());
        Assert.Equal(30, queue.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_waiting_long_poll_returns_within_milliseconds_of_an_event()
    {
        await using var host = await BridgeHost.StartAsync();
        var latencies = new List<double>();
        for (var trial = 0; trial < 5; trial++)
        {
            var poll = host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=30");
            await host.WaitForParkedLongPollsAsync(1);
            Assert.False(poll.IsCompleted);
            var clock = Stopwatch.StartNew();
            await host.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"wake {trial}"));
            var result = await poll.DefaultTimeout();
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal($"wake {trial}", result.GetProperty("messages")[0].GetProperty("message").GetString());
        }

        latencies.Sort();
        Assert.True(latencies[2] < 50, $"median {latencies[2]:F1} ms; all: {string.Join(", ", latencies.Select(l => l.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public async Task An_empty_wait_returns_an_empty_list_at_the_deadline()
    {
        await using var host = await BridgeHost.StartAsync();

        var clock = Stopwatch.StartNew();
        var result = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=1");

        Assert.Empty(result.GetProperty("messages").EnumerateArray());
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 5);
    }

    [Fact]
    public async Task Evicted_events_make_a_replay_say_truncated_and_a_foreign_epoch_say_reset()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Inbox:Capacity"] = "10" });
        await host.InjectMixAsync(25);
        await host.WaitForCommittedAsync(25);

        var truncated = await host.Client.GetFromJsonAsync<JsonElement>("/messages?after=3&wait=0");
        var reset = await host.Client.GetFromJsonAsync<JsonElement>("/messages?after=20&epoch=not-this-store&wait=0");
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");

        Assert.True(truncated.GetProperty("truncated").GetBoolean());
        Assert.Equal(16, truncated.GetProperty("messages")[0].GetProperty("seq").GetInt64());
        Assert.True(reset.GetProperty("reset").GetBoolean());
        Assert.Equal(16, reset.GetProperty("messages")[0].GetProperty("seq").GetInt64());
        Assert.NotEqual("not-this-store", reset.GetProperty("epoch").GetString());
        Assert.Equal(15, status.GetProperty("components").GetProperty("inbox").GetProperty("store").GetProperty("dropped").GetInt64());
    }

    [Fact]
    public async Task Payload_download_returns_the_exact_bytes_and_404_once_evicted()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Inbox:Capacity"] = "2" });
        byte[] binary = [0xFF, 0x00, 0xC3, 0x28];
        await host.Emulator.InjectReceivedAsync(binary);
        await host.WaitForCommittedAsync(1);

        var bytes = await host.Client.GetByteArrayAsync("/messages/1/payload");
        var list = await host.Client.GetFromJsonAsync<JsonElement>("/messages?after=0&wait=0");
        await host.Emulator.InjectReceivedAsync("a"u8.ToArray());
        await host.Emulator.InjectReceivedAsync("b"u8.ToArray());
        await host.WaitForCommittedAsync(3);
        var gone = await host.Client.GetAsync("/messages/1/payload");
        var bad = await host.Client.GetAsync("/messages/x/payload");

        Assert.Equal(binary, bytes);
        Assert.Equal(JsonValueKind.Null, list.GetProperty("messages")[0].GetProperty("message").ValueKind);
        Assert.Equal(4, list.GetProperty("messages")[0].GetProperty("size").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Theory]
    [InlineData("wait=61")]
    [InlineData("wait=-1")]
    [InlineData("max=0")]
    [InlineData("max=1001")]
    [InlineData("after=abc")]
    [InlineData("wait=ten")]
    public async Task Bad_query_values_are_400(string query)
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.Client.GetAsync($"/messages?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Sse_resumes_after_Last_Event_ID_and_then_streams_live_events()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.InjectMixAsync(100);
        await host.WaitForCommittedAsync(100);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/messages/stream");
        request.Headers.Add("Last-Event-ID", "90");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var ready = await reader.NextAsync().DefaultTimeout();
        Assert.Equal(("", "ready", 90L), (ready.Id, ready.Event, ready.Data.GetProperty("cursor").GetInt64()));
        Assert.Equal(2000, reader.Retry);

        var backlog = new List<(string Id, string Event, JsonElement Data)>();
        for (var i = 0; i < 10; i++)
        {
            backlog.Add(await reader.NextAsync().DefaultTimeout());
        }

        await host.Emulator.InjectReceivedAsync("live"u8.ToArray());
        var live = await reader.NextAsync().DefaultTimeout();

        Assert.Equal(Enumerable.Range(91, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), backlog.Select(b => b.Id));
        // Default events, errors included: EventSource's onmessage gets them all, and the JSON says which is which.
        Assert.All(backlog, b => Assert.Equal("message", b.Event));
        Assert.All(backlog, b => Assert.Equal(b.Id, b.Data.GetProperty("seq").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["error", "received"], backlog.Select(b => b.Data.GetProperty("type").GetString()).Distinct().Order());
        Assert.Equal("101", live.Id);
        Assert.Equal("live", live.Data.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sse_from_an_evicted_cursor_announces_the_gap()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Inbox:Capacity"] = "5" });
        await host.InjectMixAsync(12);
        await host.WaitForCommittedAsync(12);

        using var response = await host.Client.GetAsync("/messages/stream?after=2", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("ready", (await reader.NextAsync().DefaultTimeout()).Event);
        var first = await reader.NextAsync().DefaultTimeout();
        var second = await reader.NextAsync().DefaultTimeout();

        Assert.Equal(("truncated", ""), (first.Event, first.Id));
        Assert.Equal(2, first.Data.GetProperty("cursor").GetInt64());
        Assert.Equal(("message", "8"), (second.Event, second.Id));
    }

    [Fact]
    public async Task Sse_with_a_foreign_epoch_says_reset_and_replays_from_the_oldest_event()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.InjectMixAsync(3);
        await host.WaitForCommittedAsync(3);

        using var response = await host.Client.GetAsync("/messages/stream?after=2&epoch=not-this-store", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var reset = await reader.NextAsync().DefaultTimeout();
        var first = await reader.NextAsync().DefaultTimeout();

        Assert.Equal(("reset", ""), (reset.Event, reset.Id));
        Assert.Equal(host.Inbox.Epoch, reset.Data.GetProperty("epoch").GetString());
        Assert.Equal(2000, reader.Retry);
        Assert.Equal(("message", "1"), (first.Event, first.Id));
    }

    private static async Task<List<JsonElement>> ReadAllAsync(BridgeHost host, long? after)
    {
        var all = new List<JsonElement>();
        while (true)
        {
            var url = after is null ? "/messages?max=1000&wait=0" : $"/messages?after={after}&max=1000&wait=0";
            var page = await host.Client.GetFromJsonAsync<JsonElement>(url);
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            if (messages.Count == 0)
            {
                return all;
            }

            all.AddRange(messages);
            if (after is not null)
            {
                after = page.GetProperty("cursor").GetInt64();
            }
        }
    }
}
