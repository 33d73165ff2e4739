using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Api.Sending;
using NymBridge.Protocol;

namespace NymBridge.Tests.Metrics;

public class MetricsTests
{
    [Fact]
    public async Task A_scrape_after_sends_receives_and_rejections_counts_every_family_and_holds_no_address_tag_or_payload()
    {
        await using var host = await BridgeHost.StartAsync();
        var self = host.Emulator.Address.ToString();
        string[] payloads = ["metrics-secret-plain", "metrics-secret-anonymous", "metrics-secret-reply", "metrics-secret-hub"];
        const string errorText = "metrics-secret-error";

        // REST: the emulator loops sends to its own address back, so each is also a receive.
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = self, message = payloads[0] })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send-anonymous", new { recipient = self, message = payloads[1], replySurbs = 3 })).StatusCode);
        await host.WaitForCommittedAsync(2);
        var tag = (await ReadAsync(host, after: 0)).Select(m => m.GetProperty("senderTag").GetString()).Single(t => t is not null)!;
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/reply", new { senderTag = tag, message = payloads[2] })).StatusCode);
        // "0" is outside the base58 alphabet: an appended base58 digit still decodes to 32 bytes for about 1 gateway key in 58.
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostJsonAsync("/send", new { recipient = self + "0", message = payloads[0] })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostJsonAsync("/reply", new { senderTag = "0OIl-not-base58", message = payloads[2] })).StatusCode);

        // The hub counts like REST.
        var hub = await ConnectHubAsync(host);
        await using (hub)
        {
            var sent = await hub.InvokeAsync<SendResult>("Send", new SendBody { Recipient = self, Message = JsonSerializer.SerializeToElement(payloads[3]) }).DefaultTimeout();
            Assert.Equal(payloads[3].Length, sent.Bytes);
            await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SendResult>("SendAnonymous", new SendAnonymousBody { Recipient = "nope", Message = JsonSerializer.SerializeToElement("x") }).DefaultTimeout());

            await host.Emulator.InjectErrorAsync(ErrorKind.Other, errorText);
            await host.Emulator.InjectRawAsync(new byte[] { 0x09 });
            await host.WaitForCommittedAsync(5);

            // One subscriber of each transport: the hub connection, an event stream, a waiting long-poll.
            using var stream = await host.Client.GetAsync(new Uri("/messages/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
            using var events = new SseReader(await stream.Content.ReadAsStreamAsync());
            await events.NextAsync().DefaultTimeout();
            var longPoll = host.Client.GetAsync(new Uri("/messages?after=5&wait=30", UriKind.Relative));
            var scrape = await ScrapeUntilAsync(host, s => s.Value("nymbridge_subscribers", ("transport", "longpoll")) == 1);

            Assert.Equal(
                ["kind=reply,outcome=accepted", "kind=reply,outcome=rejected", "kind=send,outcome=accepted", "kind=send,outcome=rejected", "kind=send_anonymous,outcome=accepted", "kind=send_anonymous,outcome=rejected"],
                scrape.LabelSets("nymbridge_sends_total"));
            Assert.Equal(2, scrape.Value("nymbridge_sends_total", ("kind", "send"), ("outcome", "accepted")));
            Assert.Equal(1, scrape.Value("nymbridge_sends_total", ("kind", "send"), ("outcome", "rejected")));
            Assert.Equal(1, scrape.Value("nymbridge_sends_total", ("kind", "send_anonymous"), ("outcome", "accepted")));
            Assert.Equal(1, scrape.Value("nymbridge_sends_total", ("kind", "send_anonymous"), ("outcome", "rejected")));
            Assert.Equal(1, scrape.Value("nymbridge_sends_total", ("kind", "reply"), ("outcome", "accepted")));
            Assert.Equal(1, scrape.Value("nymbridge_sends_total", ("kind", "reply"), ("outcome", "rejected")));
            Assert.Equal(payloads[0].Length + payloads[3].Length, scrape.Value("nymbridge_send_payload_bytes_total", ("kind", "send")));
            Assert.Equal(payloads[1].Length, scrape.Value("nymbridge_send_payload_bytes_total", ("kind", "send_anonymous")));
            Assert.Equal(payloads[2].Length, scrape.Value("nymbridge_send_payload_bytes_total", ("kind", "reply")));

            Assert.Equal(1, scrape.Value("nymbridge_nym_connected"));
            Assert.Equal(0, scrape.Value("nymbridge_nym_reconnects_total"));
            var nym = host.Nym.GetStatus();
            Assert.Equal(nym.FramesSent, scrape.Value("nymbridge_nym_frames_total", ("direction", "out")));
            Assert.Equal(nym.FramesReceived, scrape.Value("nymbridge_nym_frames_total", ("direction", "in")));
            Assert.True(nym.FramesSent >= 5 && nym.FramesReceived >= 7, $"frames out {nym.FramesSent}, in {nym.FramesReceived}");
            Assert.Equal(1, scrape.Value("nymbridge_nym_bad_frames_total"));
            Assert.Equal(0, scrape.Value("nymbridge_outbound_queue_frames"));

            Assert.Equal(4, scrape.Value("nymbridge_inbox_events_total", ("type", "received")));
            Assert.Equal(1, scrape.Value("nymbridge_inbox_events_total", ("type", "error")));
            Assert.Equal(5, scrape.Value("nymbridge_inbox_retained_events"));
            Assert.Equal(payloads.Sum(p => p.Length) + errorText.Length, scrape.Value("nymbridge_inbox_retained_bytes"));
            Assert.Equal(0, scrape.Value("nymbridge_inbox_dropped_events_total"));

            Assert.Equal(1, scrape.Value("nymbridge_subscribers", ("transport", "signalr")));
            Assert.Equal(1, scrape.Value("nymbridge_subscribers", ("transport", "sse")));

            // The families' types as Prometheus sees them, and the platform's own meters beside ours.
            foreach (var counter in new[] { "nymbridge_sends_total", "nymbridge_send_payload_bytes_total", "nymbridge_nym_reconnects_total", "nymbridge_nym_frames_total", "nymbridge_nym_bad_frames_total", "nymbridge_inbox_events_total", "nymbridge_inbox_dropped_events_total" })
            {
                Assert.Equal("counter", scrape.TypeOf(counter));
            }

            foreach (var gauge in new[] { "nymbridge_nym_connected", "nymbridge_outbound_queue_frames", "nymbridge_inbox_retained_events", "nymbridge_inbox_retained_bytes", "nymbridge_subscribers" })
            {
                Assert.Equal("gauge", scrape.TypeOf(gauge));
            }

            Assert.Equal("histogram", scrape.TypeOf("http_server_request_duration_seconds"));
            Assert.True(scrape.Has("http_server_request_duration_seconds_count"));
            Assert.Equal(1, scrape.Value("signalr_server_active_connections"));
            Assert.True(scrape.Has("dotnet_gc_collections_total") || scrape.Has("dotnet_process_cpu_time_seconds_total"), "the runtime's meter is missing");

            string[] secrets = [self, .. self.Split('.', '@'), tag, .. payloads, errorText];
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, scrape.Text, StringComparison.Ordinal);
            }

            await host.Emulator.InjectReceivedAsync("wake the long-poll"u8.ToArray());
            using var answered = await longPoll.DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.Equal(0, (await ScrapeUntilAsync(host, s => s.Value("nymbridge_subscribers", ("transport", "longpoll")) == 0)).Value("nymbridge_subscribers", ("transport", "longpoll")));
        }
    }

    [Fact]
    public async Task Sends_while_nym_client_is_away_count_as_unavailable_and_the_reconnect_and_evictions_are_counted()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Inbox:Capacity"] = "3" });
        var self = host.Emulator.Address.ToString();
        var hub = await ConnectHubAsync(host);
        await using (hub)
        {
            host.Emulator.RefuseConnections(true);
            await host.Emulator.DropConnectionAsync();
            await host.WaitUntilDisconnectedAsync();

            var rest = await host.PostJsonAsync("/send", new { recipient = self, message = "while away" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, rest.StatusCode);
            await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SendResult>("Send", new SendBody { Recipient = self, Message = JsonSerializer.SerializeToElement("x") }).DefaultTimeout());

            var away = await PrometheusScrape.GetAsync(host.Client);
            Assert.Equal(2, away.Value("nymbridge_sends_total", ("kind", "send"), ("outcome", "unavailable")));
            Assert.Equal(0, away.Value("nymbridge_nym_connected"));
            Assert.False(away.Has("nymbridge_send_payload_bytes_total"), "nothing was sent, so no bytes");
        }

        host.Emulator.RefuseConnections(false);
        await host.WaitUntilReadyAsync();
        for (var i = 0; i < 5; i++)
        {
            await host.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"event {i}"));
        }

        await host.WaitForCommittedAsync(5);
        var back = await PrometheusScrape.GetAsync(host.Client);
        Assert.Equal(1, back.Value("nymbridge_nym_connected"));
        Assert.Equal(1, back.Value("nymbridge_nym_reconnects_total"));
        Assert.Equal(3, back.Value("nymbridge_inbox_retained_events"));
        Assert.Equal(2, back.Value("nymbridge_inbox_dropped_events_total"));
        Assert.Equal(5, back.Value("nymbridge_inbox_events_total", ("type", "received")));
    }

    [Fact]
    public async Task With_an_api_key_metrics_need_the_key()
    {
        const string key = "metrics-test-key-5d6e7f";
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:ApiKey"] = key });

        using var without = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key + "x") } };
        using var wrongAnswer = await host.Client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.DoesNotContain("nymbridge_", await without.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var scrape = await PrometheusScrape.GetAsync(host.Client);
        Assert.Equal(1, scrape.Value("nymbridge_nym_connected"));
        Assert.DoesNotContain(key, scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_disabled_means_no_metrics_route_and_sends_still_work()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:Metrics:Enabled"] = "false" });

        using var metrics = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = host.Emulator.Address.ToString(), message = "hi" })).StatusCode);
        var document = await host.Client.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        Assert.DoesNotContain("\"/metrics\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_OTEL_EXPORTER_OTLP_ENDPOINT_set_the_metrics_are_pushed_over_otlp_as_well()
    {
        var bodies = Channel.CreateUnbounded<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            bodies.Writer.TryWrite(buffer.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync().DefaultTimeout();
        var endpoint = collector.Urls.First();

        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "100",
        });
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = host.Emulator.Address.ToString(), message = "otlp" })).StatusCode);

        // The protobuf carries instrument names as plain UTF-8.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var body = await bodies.Reader.ReadAsync().DefaultTimeout();
            var text = Encoding.UTF8.GetString(body);
            if (text.Contains("nymbridge.sends", StringComparison.Ordinal) && text.Contains("http.server.request.duration", StringComparison.Ordinal))
            {
                Assert.DoesNotContain(host.Emulator.Address.ToString(), text, StringComparison.Ordinal);
                break;
            }

            Assert.True(clock.Elapsed < TestTimeout.Default, "no OTLP export carried the bridge's metrics");
        }

        // /metrics is still served beside it.
        Assert.Equal(1, (await PrometheusScrape.GetAsync(host.Client)).Value("nymbridge_sends_total", ("kind", "send"), ("outcome", "accepted")));
    }

    private static async Task<HubConnection> ConnectHubAsync(BridgeHost host)
    {
        var connection = host.CreateHubConnection();
        await connection.StartAsync().DefaultTimeout();
        return connection;
    }

    private static async Task<List<JsonElement>> ReadAsync(BridgeHost host, long after)
    {
        var page = await host.Client.GetFromJsonAsync<JsonElement>($"/messages?after={after}&wait=0").DefaultTimeout();
        return [.. page.GetProperty("messages").EnumerateArray()];
    }

    [Fact]
    public async Task Webhook_families_are_scraped_by_endpoint_name_with_durations_in_second_buckets()
    {
        await using var receiver = await NymBridge.Tests.Webhooks.WebhookReceiver.StartAsync(async (webhook, http) =>
        {
            // Answer the anonymous message with a reply; its loop-back (no sender tag) gets no reply.
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("metrics-secret-answer");
        });
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:Endpoints:provider:Url"] = receiver.Url + "?token=metrics-secret-query",
            ["Webhooks:Endpoints:provider:Secret"] = "whsec_" + Convert.ToBase64String(new byte[32]),
        });
        var self = host.Emulator.Address.ToString();

        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send-anonymous", new { recipient = self, message = "metrics-secret-question" })).StatusCode);
        var scrape = await ScrapeUntilAsync(host, s => s.Has("nymbridge_webhook_deliveries_total")
                                                       && s.Value("nymbridge_webhook_deliveries_total", ("endpoint", "provider"), ("outcome", "succeeded")) == 2);

        Assert.Equal(2, scrape.Value("nymbridge_webhook_deliveries_total", ("endpoint", "provider"), ("outcome", "succeeded")));
        Assert.Equal("counter", scrape.TypeOf("nymbridge_webhook_deliveries_total"));
        Assert.Equal(1, scrape.Value("nymbridge_webhook_replies_total", ("endpoint", "provider"), ("outcome", "sent")));
        Assert.Equal("histogram", scrape.TypeOf("nymbridge_webhook_delivery_duration_seconds"));
        Assert.Equal(2, scrape.Value("nymbridge_webhook_delivery_duration_seconds_count", ("endpoint", "provider")));
        // Boundaries in seconds: a loopback delivery lands well under one second, not in a millisecond-sized first bucket.
        Assert.Equal(2, scrape.Value("nymbridge_webhook_delivery_duration_seconds_bucket", ("endpoint", "provider"), ("le", "1")));
        Assert.Equal("gauge", scrape.TypeOf("nymbridge_webhook_pending_events"));
        Assert.Equal(0, scrape.Value("nymbridge_webhook_pending_events", ("endpoint", "provider")));
        foreach (var secret in new[] { "metrics-secret", receiver.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/", self })
        {
            Assert.DoesNotContain(secret, scrape.Text, StringComparison.Ordinal);
        }
    }

    private static Task<PrometheusScrape> ScrapeUntilAsync(BridgeHost host, Func<PrometheusScrape, bool> done) =>
        Eventually.ProbeUntilAsync(() => PrometheusScrape.GetAsync(host.Client), done, "/metrics shows what the test waits for");
}
