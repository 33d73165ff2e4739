using NymBridge.Tests.Common;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Api.Realtime;
using NymBridge.Api.Sending;

namespace NymBridge.Tests.Realtime;

public class HubTests
{
    [Fact]
    public async Task A_subscriber_receives_ten_thousand_events_in_order()
    {
        await using var host = await BridgeHost.StartAsync();
        var events = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await ConnectAsync(host, events);

        var injected = await host.InjectMixAsync(10_000);
        var received = new List<JsonElement>();
        while (received.Count < injected.Count)
        {
            received.Add(await events.Reader.ReadAsync().DefaultTimeout());
        }

        Assert.Equal(Enumerable.Range(1, injected.Count).Select(i => (long)i), received.Select(e => e.GetProperty("seq").GetInt64()));
        for (var i = 0; i < injected.Count; i++)
        {
            injected[i].AssertIs(received[i]);
        }
    }

    [Fact]
    public async Task A_subscription_ends_with_its_connection()
    {
        await using var host = await BridgeHost.StartAsync();
        var events = Channel.CreateUnbounded<JsonElement>();
        var hub = await ConnectAsync(host, events);
        await host.InjectMixAsync(1);
        await events.Reader.ReadAsync().DefaultTimeout();
        Assert.Equal(1, await SubscribersAsync(host));

        await hub.DisposeAsync();

        // /status says so, and the inbox no longer feeds a buffer nobody reads.
        await Eventually.WaitUntilAsync(async () => await SubscribersAsync(host) == 0 && host.Inbox.GetStatus().Subscribers == 0,
            "the hub and the inbox let go of the subscription");
        Assert.Equal(0, await SubscribersAsync(host));
        Assert.Equal(0, host.Inbox.GetStatus().Subscribers);
    }

    private static async Task<int> SubscribersAsync(BridgeHost host)
    {
        using var status = JsonDocument.Parse(await host.Client.GetStringAsync("/status"));
        return status.RootElement.GetProperty("components").GetProperty("signalR").GetProperty("subscribers").GetInt32();
    }

    [Fact]
    public async Task Replay_after_a_reconnect_fills_the_gap()
    {
        await using var host = await BridgeHost.StartAsync();
        var first = Channel.CreateUnbounded<JsonElement>();
        var hub = await ConnectAsync(host, first);
        await host.InjectMixAsync(20);
        long lastSeen = 0;
        while (lastSeen < 20)
        {
            lastSeen = (await first.Reader.ReadAsync().DefaultTimeout()).GetProperty("seq").GetInt64();
        }

        await hub.DisposeAsync();
        await host.InjectMixAsync(30); // missed while away
        await host.WaitForCommittedAsync(50);
        var second = Channel.CreateUnbounded<JsonElement>();
        await using var again = await ConnectAsync(host, second);
        var replay = await again.InvokeAsync<ReplayResult>("Replay", lastSeen).DefaultTimeout();
        var filled = new List<long>();
        while (filled.Count < 30)
        {
            filled.Add((await second.Reader.ReadAsync().DefaultTimeout()).GetProperty("seq").GetInt64());
        }

        Assert.Equal(30, replay.Replayed);
        Assert.Equal(50, replay.Cursor);
        Assert.False(replay.Truncated);
        Assert.Equal(Enumerable.Range(21, 30).Select(i => (long)i), filled);
    }

    [Fact]
    public async Task Replay_while_live_events_arrive_never_interleaves_with_them_and_pushes_no_event_twice()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.InjectMixAsync(300);
        await host.WaitForCommittedAsync(300);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await ConnectAsync(host, events);

        // Live events go on arriving while the client asks for the 300 it missed.
        var live = Task.Run(() => host.InjectMixAsync(600));
        var seqs = new List<long> { await NextSeqAsync(events) };
        var replay = await hub.InvokeAsync<ReplayResult>("Replay", 0L).WaitAsync(TestTimeout.Default);
        var again = await hub.InvokeAsync<ReplayResult>("Replay", 100L).WaitAsync(TestTimeout.Default);
        await live.WaitAsync(TestTimeout.Default);
        await host.Emulator.InjectReceivedAsync("last"u8.ToArray()); // seq 901: pushed after everything before it
        while (seqs[^1] != 901)
        {
            seqs.Add(await NextSeqAsync(events));
        }

        // Live from 301 up to some P, the replay's 1..300 as one run, then live from P + 1: nothing twice, nothing missing.
        var replayStart = seqs.IndexOf(1);
        var lastLiveBefore = seqs[replayStart - 1];
        Assert.Equal(Enumerable.Range(301, (int)lastLiveBefore - 300).Select(i => (long)i), seqs[..replayStart]);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), seqs.Skip(replayStart).Take(300));
        Assert.Equal(Enumerable.Range((int)lastLiveBefore + 1, 901 - (int)lastLiveBefore).Select(i => (long)i), seqs.Skip(replayStart + 300));
        Assert.Equal((300, false), (replay.Replayed, replay.Truncated));
        Assert.True(replay.Cursor >= lastLiveBefore, $"cursor {replay.Cursor} is below the last event pushed before the replay ({lastLiveBefore})");
        Assert.Equal(0, again.Replayed); // everything after 100 was pushed already
    }

    private static async Task<long> NextSeqAsync(Channel<JsonElement> events) =>
        (await events.Reader.ReadAsync().AsTask().WaitAsync(TestTimeout.Default)).GetProperty("seq").GetInt64();

    [Fact]
    public async Task Sends_through_the_hub_validate_like_rest_and_carry_a_one_MiB_payload()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:MaxMessageBytes"] = "2000000" });
        var events = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await ConnectAsync(host, events);
        var self = host.Emulator.Address.ToString();
        var payload = new byte[1024 * 1024];
        new Random(3).NextBytes(payload);

        var result = await hub.InvokeAsync<SendResult>("Send", new { recipient = self, messageBase64 = Convert.ToBase64String(payload) }).DefaultTimeout();
        var looped = await events.Reader.ReadAsync().DefaultTimeout();
        var anonymous = await hub.InvokeAsync<SendResult>("SendAnonymous", new { recipient = self, message = "ask", replySurbs = 3 }).DefaultTimeout();
        var tagged = await events.Reader.ReadAsync().DefaultTimeout();
        var reply = await hub.InvokeAsync<SendResult>("Reply", new { senderTag = tagged.GetProperty("senderTag").GetString(), message = "answer" }).DefaultTimeout();
        var answered = await events.Reader.ReadAsync().DefaultTimeout();
        var invalid = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SendResult>("Send", new { recipient = "abc@def", message = "x" }));

        Assert.Equal(payload.Length, result.Bytes);
        Assert.Equal(payload, Convert.FromBase64String(looped.GetProperty("messageBase64").GetString()!));
        Assert.Equal(3, anonymous.Bytes);
        Assert.Equal(6, reply.Bytes);
        Assert.Equal("answer", answered.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, answered.GetProperty("senderTag").ValueKind);
        Assert.Contains("encryption key", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subscriber_that_never_reads_does_not_delay_another_or_a_long_poll()
    {
        await using var host = await BridgeHost.StartOnKestrelAsync();
        using var stalled = await StalledSubscriber.ConnectAsync(host.BaseAddress!);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await ConnectAsync(host, events);

        // Far more than the stalled socket's buffers hold, in payloads big enough to fill them quickly.
        var big = Encoding.UTF8.GetBytes(new string('x', 16 * 1024));
        for (var i = 0; i < 400; i++)
        {
            await host.Emulator.InjectReceivedAsync(big);
        }

        for (var i = 0; i < 400; i++)
        {
            await events.Reader.ReadAsync().DefaultTimeout();
        }

        var poll = host.Client.GetStringAsync(new Uri(host.BaseAddress!, "/messages?after=400&wait=30"));
        await host.WaitForParkedLongPollsAsync(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await host.Emulator.InjectReceivedAsync("last"u8.ToArray());
        var live = await events.Reader.ReadAsync().DefaultTimeout();
        var polled = await poll.DefaultTimeout();
        var elapsed = clock.Elapsed;

        Assert.Equal("last", live.GetProperty("message").GetString());
        Assert.Contains("\"last\"", polled, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(250), $"delivery took {elapsed.TotalMilliseconds:F0} ms with a stalled subscriber");
        Assert.True(stalled.IsStillConnected, "the stalled subscriber's socket should still be open (it is slow, not gone)");
    }

    [Fact]
    public async Task Status_is_pushed_on_connect_and_when_nym_client_goes_and_comes_back()
    {
        await using var host = await BridgeHost.StartAsync();
        var statuses = Channel.CreateUnbounded<StatusPush>();
        await using var hub = await ConnectAsync(host, Channel.CreateUnbounded<JsonElement>(), statuses);

        var first = await statuses.Reader.ReadAsync().DefaultTimeout();
        await host.Emulator.StopAsync();
        var gone = await NextAsync(statuses, s => !s.Connected);
        await host.Emulator.StartAsync();
        var back = await NextAsync(statuses, s => s.Connected && s.SelfAddress is not null);

        Assert.True(first.Connected);
        Assert.Equal(host.Emulator.Address.ToString(), first.SelfAddress);
        Assert.Null(gone.SelfAddress);
        Assert.Equal(host.Emulator.Address.ToString(), back.SelfAddress);
    }

    private static async Task<StatusPush> NextAsync(Channel<StatusPush> statuses, Func<StatusPush, bool> predicate)
    {
        while (true)
        {
            var status = await statuses.Reader.ReadAsync().DefaultTimeout();
            if (predicate(status))
            {
                return status;
            }
        }
    }

    private static async Task<HubConnection> ConnectAsync(BridgeHost host, Channel<JsonElement> events, Channel<StatusPush>? statuses = null)
    {
        var connection = host.CreateHubConnection();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>("received", e => events.Writer.TryWrite(e));
        connection.On<JsonElement>("error", e => events.Writer.TryWrite(e));
        connection.On<StatusPush>("status", s =>
        {
            statuses?.Writer.TryWrite(s);
            subscribed.TrySetResult();
        });
        await connection.StartAsync().DefaultTimeout();
        // StartAsync returns with the handshake, which the server answers before OnConnectedAsync subscribes: the
        // first status comes after the subscription, so from here on every event is pushed (as a client should wait).
        await subscribed.Task.DefaultTimeout();
        return connection;
    }

    /// <summary>A SignalR client on a raw socket that completes the handshake and then never reads again.</summary>
    private sealed class StalledSubscriber : IDisposable
    {
        private readonly TcpClient _tcp;

        private StalledSubscriber(TcpClient tcp) => _tcp = tcp;

        public bool IsStillConnected => _tcp.Connected;

        public static async Task<StalledSubscriber> ConnectAsync(Uri baseAddress)
        {
            var tcp = new TcpClient { ReceiveBufferSize = 4096 };
            await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
            var stream = tcp.GetStream();
            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            var upgrade = $"GET /hubs/messages HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                          $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(upgrade));
            var buffer = new byte[1024];
            var headers = "";
            while (!headers.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer).DefaultTimeout();
                headers += Encoding.ASCII.GetString(buffer, 0, read);
            }

            Assert.StartsWith("HTTP/1.1 101", headers, StringComparison.Ordinal);
            await stream.WriteAsync(MaskedTextFrame("{\"protocol\":\"json\",\"version\":1}\u001e"));
            return new StalledSubscriber(tcp);
        }

        private static byte[] MaskedTextFrame(string text)
        {
            var payload = Encoding.UTF8.GetBytes(text);
            var frame = new byte[2 + 4 + payload.Length];
            frame[0] = 0x81;
            frame[1] = (byte)(0x80 | payload.Length);
            // Mask key of zeros: masking is required of clients, the key may be anything.
            payload.CopyTo(frame, 6);
            return frame;
        }

        public void Dispose() => _tcp.Dispose();
    }
}
