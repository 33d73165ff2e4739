using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Inbox;
using NymBridge.Protocol;

namespace NymBridge.Tests.Hardening;

/// <summary>What nym-client or the disk can do wrong on the way in: the bridge stays up, says what happened, and loses nothing it accepted.</summary>
public class InboundFaultTests
{
    [Fact]
    public async Task Garbage_truncated_and_unknown_frames_are_counted_and_skipped()
    {
        await using var host = await BridgeHost.StartAsync();
        var random = new Random(11);
        byte[][] garbage =
        [
            [],
            [0x09],
            [0x01, 0x00, 0x00],
            [0x01, 0x07, 0, 0, 0, 0, 0, 0, 0, 0],
            [0x01, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3],
            [0x03, 0, 0, 0, 0],
            [0x00, 0x04, 0, 0, 0, 0, 0, 0, 0],
            [.. Enumerable.Range(0, 300).Select(_ => (byte)random.Next(256))],
        ];
        foreach (var frame in garbage)
        {
            await host.Emulator.InjectRawAsync(frame);
        }

        await host.Emulator.InjectRawAsync("{not json"u8.ToArray(), WebSocketMessageType.Text);
        await host.Emulator.InjectReceivedAsync("still fine"u8.ToArray());

        var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal("still fine", page.GetProperty("messages")[0].GetProperty("message").GetString());
        Assert.True(status.GetProperty("nymClient").GetProperty("connected").GetBoolean());
        Assert.Equal(garbage.Length + 1, status.GetProperty("nymClient").GetProperty("badFrames").GetInt64());
    }

    [Fact]
    public async Task A_message_over_the_inbound_limit_is_skipped_and_counted_and_the_next_one_arrives()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Nym:MaxInboundMessageBytes"] = "65536" });

        await host.Emulator.InjectReceivedAsync(new byte[100_000]);
        await host.Emulator.InjectReceivedAsync("after the big one"u8.ToArray());

        var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal("after the big one", page.GetProperty("messages")[0].GetProperty("message").GetString());
        Assert.Equal(1, status.GetProperty("nymClient").GetProperty("badFrames").GetInt64());
    }

    [Fact]
    public async Task A_drop_in_the_middle_of_a_multi_frame_message_is_an_ordinary_reconnect()
    {
        await using var host = await BridgeHost.StartAsync();
        var frame = ResponseCodec.Encode(new ReceivedResponse(new byte[10_000]));

        await host.Emulator.InjectRawAsync(frame.AsMemory(0, 5_000), endOfMessage: false);
        await host.Emulator.DropConnectionAsync();
        await host.Emulator.WaitForClientAsync(TestTimeout.Default);
        await host.WaitUntilReadyAsync();
        await host.Emulator.InjectReceivedAsync("whole"u8.ToArray());

        var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal("whole", page.GetProperty("messages")[0].GetProperty("message").GetString());
        Assert.Equal(1, page.GetProperty("messages").GetArrayLength());
        Assert.True(status.GetProperty("nymClient").GetProperty("reconnects").GetInt64() >= 1);
    }

    [Fact]
    public async Task A_burst_of_100_000_messages_with_no_reader_is_all_retained_in_sqlite()
    {
        using var temp = new TempDirectory();
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Inbox:Store"] = "Sqlite",
            ["Inbox:Path"] = Path.Combine(temp.Path, "inbox.db"),
        });
        const int count = 100_000;

        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            sends.Add(host.Emulator.InjectReceivedAsync(BitConverter.GetBytes(i)));
        }

        await Task.WhenAll(sends).DefaultTimeout(4 * TestTimeout.Default);
        await host.WaitForCommittedAsync(count);

        var seen = 0;
        long cursor = 0;
        while (true)
        {
            var page = await host.Client.GetFromJsonAsync<JsonElement>($"/messages?after={cursor}&max=1000&wait=0");
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            if (messages.Count == 0)
            {
                break;
            }

            foreach (var message in messages)
            {
                Assert.Equal(seen, BitConverter.ToInt32(Convert.FromBase64String(message.GetProperty("messageBase64").GetString()!)));
                seen++;
            }

            cursor = page.GetProperty("cursor").GetInt64();
        }

        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal(count, seen);
        Assert.Equal(0, status.GetProperty("components").GetProperty("inbox").GetProperty("store").GetProperty("dropped").GetInt64());
    }

    [Fact]
    public async Task A_store_that_fails_like_a_full_disk_holds_events_back_reports_it_and_loses_none()
    {
        using var temp = new TempDirectory();
        var failing = new FailingStore(new SqliteInboxStore(
            new InboxOptions { Path = Path.Combine(temp.Path, "inbox.db") }, NullLogger<SqliteInboxStore>.Instance));
        await using var host = await BridgeHost.StartAsync(configure: builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IInboxStore>(failing)));

        failing.Failing = true;
        for (var i = 0; i < 50; i++)
        {
            await host.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"held {i}"));
        }

        var inbox = await Eventually.ProbeUntilAsync(
            async () => (await host.Client.GetFromJsonAsync<JsonElement>("/status")).GetProperty("components").GetProperty("inbox"),
            i => i.GetProperty("storeFailures").GetInt64() > 0,
            "/status reports a store failure");

        Assert.Contains("full", inbox.GetProperty("lastStoreError").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/live")).StatusCode);
        failing.Failing = false;
        await host.WaitForCommittedAsync(50);
        var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?after=0&max=100&wait=0");
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"held {i}"), page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("message").GetString()));
    }

    /// <summary>A real SQLite store that refuses appends, as SQLite does on a full disk, while <see cref="Failing"/> is set.</summary>
    private sealed class FailingStore(IInboxStore inner) : IInboxStore
    {
        public volatile bool Failing;

        public string Epoch => inner.Epoch;
        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken) =>
            Failing ? throw new SqliteException("database or disk is full", 13) : inner.AppendAsync(events, cancellationToken);

        public Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken) => inner.ReadAfterAsync(afterSeq, max, cancellationToken);
        public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken) => inner.GetAsync(seq, cancellationToken);
        public Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken) => inner.TakeAsync(max, cancellationToken);
        public InboxStats GetStats() => inner.GetStats();
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
