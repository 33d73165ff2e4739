using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NymBridge.Api.Webhooks;
using NymBridge.Protocol;
using static NymBridge.Tests.Webhooks.WebhookTestKit;

namespace NymBridge.Tests.Webhooks;

/// <summary>Delivery to real receivers: format, signature, retries, status handling, concurrency.</summary>
public class WebhookDeliveryTests
{
    [Fact]
    public void The_signature_matches_the_specifications_published_test_vector()
    {
        // From the spec repository's libraries (e.g. libraries/go/webhook_test.go, TestSign).
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");

        Assert.True(WebhookSecret.TryDecode(secret, out var key));
        using var signature = new WebhookSignature(key);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature.Sign(id, 1614265330, body));
        Assert.True(SpecSignature.Verify(secret, id, "1614265330", body, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    [Fact]
    public async Task Every_event_is_delivered_signed_with_its_stable_id_and_the_event_as_get_messages_shows_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var bridge = await StartBridgeAsync(receiver.Url, new Dictionary<string, string?>
        {
            [$"Webhooks:Endpoints:{Name}:Events:0"] = "received",
            [$"Webhooks:Endpoints:{Name}:Events:1"] = "error",
        });

        await bridge.Emulator.InjectReceivedAsync("hello"u8.ToArray(), Tag(7));
        await bridge.Emulator.InjectReceivedAsync(new byte[] { 0xff, 0x00 });
        await bridge.Emulator.InjectErrorAsync(ErrorKind.MalformedRequest, "bad request");
        // Text the JSON writers must escape: HTML-sensitive, quotes, control, non-ASCII and a surrogate pair.
        await bridge.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes("<a href='x'>\"q\" & +\n\t é 😀\u0001</a>"), Tag(8));
        var received = await receiver.WaitForCountAsync(4);
        var messages = await bridge.Client.GetFromJsonAsync<JsonElement>("/messages?after=0&wait=0");
        var epoch = messages.GetProperty("epoch").GetString();

        Assert.Equal(4, received.Count);
        var bySeq = received.OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();
        for (var i = 0; i < 4; i++)
        {
            var r = bySeq[i];
            var shown = messages.GetProperty("messages")[i];
            var body = JsonDocument.Parse(r.Body).RootElement;
            Assert.Equal($"evt_{epoch}_{i + 1}", r.Id);
            Assert.True(SpecSignature.Verify(Secret, r.Id, r.Timestamp, r.Body, r.Signature), "signature");
            Assert.InRange(long.Parse(r.Timestamp, System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            Assert.StartsWith("NymBridge/", r.UserAgent, StringComparison.Ordinal);
            Assert.StartsWith("application/json", r.ContentType, StringComparison.Ordinal);
            Assert.Equal(i == 2 ? "message.error" : "message.received", body.GetProperty("type").GetString());
            Assert.Equal(shown.GetProperty("receivedAt").GetString(), body.GetProperty("timestamp").GetString());
            Assert.Equal(shown.GetRawText(), body.GetProperty("data").GetRawText());
            Assert.Equal(epoch, body.GetProperty("epoch").GetString());
        }

        var state = await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 4);
        Assert.Equal(4, state.GetProperty("cursor").GetInt64());
        Assert.Equal(0, state.GetProperty("pending").GetInt64());
        Assert.Equal(receiver.Url.ToString(), state.GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_receiver_that_is_down_gets_every_event_with_the_same_ids_once_it_is_up()
    {
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/hook");
        await using var bridge = await StartBridgeAsync(url, new Dictionary<string, string?>
        {
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:3"] = "00:00:00.100",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:4"] = "00:00:00.200",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:5"] = "00:00:00.200",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:6"] = "00:00:00.200",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:7"] = "00:00:00.200",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:8"] = "00:00:01",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:9"] = "00:00:01",
        });
        for (var i = 0; i < 3; i++)
        {
            await bridge.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"m{i}"));
        }

        var refused = await bridge.WaitForAttemptsAsync(a => a.Select(x => x.GetProperty("seq").GetInt64()).Distinct().Count() == 3);
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => Task.CompletedTask, port);
        var received = await receiver.WaitForCountAsync(3);
        var state = await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 3);

        Assert.All(refused, a => Assert.Equal("connection failed", a.GetProperty("error").GetString()));
        Assert.Equal(
            refused.Select(a => a.GetProperty("webhookId").GetString()).Distinct().Order(),
            received.Select(r => r.Id).Distinct().Order());
        Assert.Equal(0, state.GetProperty("failed").GetInt64());
    }

    [Fact]
    public async Task Server_errors_are_retried_on_the_schedule_then_marked_failed_and_later_events_go_on()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500);
        await using var bridge = await StartBridgeAsync(receiver.Url);

        await bridge.Emulator.InjectReceivedAsync("first"u8.ToArray());
        var attempts = await receiver.WaitForCountAsync(4);
        var failed = await bridge.WaitForWebhookAsync(s => s.GetProperty("failed").GetInt64() == 1);
        var failures = await bridge.Client.GetFromJsonAsync<JsonElement>($"/webhooks/{Name}/failures");
        receiver.Handler = (_, http) => { http.Response.StatusCode = 204; return Task.CompletedTask; };
        await bridge.Emulator.InjectReceivedAsync("second"u8.ToArray());
        await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 1);
        var redeliver = await bridge.Client.PostAsJsonAsync($"/webhooks/{Name}/redeliver", new { failed = true });
        var after = await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 2);

        Assert.Equal(4, attempts.Count); // the first attempt and the three retries of the schedule
        Assert.Single(attempts.Select(a => a.Id).Distinct());
        Assert.Equal(500, failed.GetProperty("lastError").GetProperty("status").GetInt32());
        Assert.Equal(1, failures[0].GetProperty("seq").GetInt64());
        Assert.Equal(4, failures[0].GetProperty("attempts").GetInt32());
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        Assert.Equal(0, after.GetProperty("failed").GetInt64());
        Assert.Equal(attempts[0].Id, receiver.Received[^1].Id);
    }

    [Fact]
    public async Task Concurrency_is_never_exceeded_and_deliveries_start_in_seq_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) => await Task.Delay(50));
        await using var bridge = await StartBridgeAsync(receiver.Url, new Dictionary<string, string?>
        {
            [$"Webhooks:Endpoints:{Name}:Concurrency"] = "3",
        });

        for (var i = 0; i < 15; i++)
        {
            await bridge.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"m{i}"));
        }

        var received = await receiver.WaitForCountAsync(15);

        Assert.Equal(3, receiver.MaxInFlight);
        var seqs = received.Select(r => long.Parse(r.Id[(r.Id.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), seqs.Order());
        // Started in seq order: with 3 at a time, no event arrives more than 2 places before an earlier one.
        Assert.All(seqs.Select((seq, i) => (seq, i)), p => Assert.InRange(p.seq, p.i + 1 - 2, p.i + 1 + 2));
    }

    [Fact]
    public async Task Gone_disables_the_endpoint_until_it_is_enabled_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync(410);
        await using var bridge = await StartBridgeAsync(receiver.Url);

        await bridge.Emulator.InjectReceivedAsync("one"u8.ToArray());
        var disabled = await bridge.WaitForWebhookAsync(s => !s.GetProperty("enabled").GetBoolean());
        await bridge.Emulator.InjectReceivedAsync("two"u8.ToArray());
        await bridge.WaitForWebhookAsync(s => s.GetProperty("pending").GetInt64() == 2);
        receiver.Handler = (_, _) => Task.CompletedTask;
        var enable = await bridge.Client.PostAsync($"/webhooks/{Name}/enable", null);
        var after = await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 2);

        Assert.Contains("410", disabled.GetProperty("disabledReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.Equal(3, receiver.Received.Count); // one 410, then both events
        Assert.True(after.GetProperty("enabled").GetBoolean());
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
