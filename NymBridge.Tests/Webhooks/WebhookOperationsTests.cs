using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using NymBridge.Api.Http;
using NymBridge.Api.Webhooks;
using NymBridge.Tests.Hardening;
using static NymBridge.Tests.Webhooks.WebhookTestKit;

namespace NymBridge.Tests.Webhooks;

/// <summary>Configuration, eviction, privacy, metrics and the management API's errors.</summary>
public class WebhookOperationsTests
{
    [Fact]
    public void Invalid_configuration_lists_every_error_at_once()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Webhooks:Endpoints:Shop:Url"] = "ftp://example.org/hook",
                ["Webhooks:Endpoints:Shop:Secret"] = "whsec_dG9vIHNob3J0",
                ["Webhooks:Endpoints:Shop:Events:0"] = "sent",
                ["Webhooks:Endpoints:Shop:Concurrency"] = "65",
                ["Webhooks:Endpoints:Shop:Timeout"] = "00:00:00",
                ["Webhooks:Endpoints:Shop:StartFrom"] = "middle",
                ["Webhooks:Endpoints:Shop:RetrySchedule:0"] = "-00:00:01",
                ["Webhooks:Endpoints:bad name!:Url"] = "/relative",
                ["Webhooks:Endpoints:bad name!:Secret"] = Secret,
            })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:Endpoints:shop:Replies"] = "false" })
            .Build();
        var options = new WebhooksOptions();
        configuration.GetSection("Webhooks").Bind(options);

        var result = new WebhookOptionsValidator(configuration).Validate(null, options);
        var errors = string.Join("\n", result.Failures!);

        Assert.True(result.Failed);
        Assert.Contains("duplicate names 'Shop' and 'shop'", errors, StringComparison.Ordinal);
        // The two spellings merged into one endpoint (configuration keys are case-insensitive); its errors name either.
        Assert.Contains("Webhooks:Endpoints:shop:Url must be an absolute http:// or https:// URL.", errors, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Webhooks:Endpoints:shop:Secret must be whsec_", errors, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("unknown event type 'sent'", errors, StringComparison.Ordinal);
        Assert.Contains("Concurrency must be from 1 to 64; got 65", errors, StringComparison.Ordinal);
        Assert.Contains("Timeout must be more than 0", errors, StringComparison.Ordinal);
        Assert.Contains("StartFrom must be \"new\" or \"oldest\"", errors, StringComparison.Ordinal);
        Assert.Contains("RetrySchedule:0 must be more than 0", errors, StringComparison.Ordinal);
        Assert.Contains("Webhooks:Endpoints:bad name!: the name must be 1 to 64", errors, StringComparison.Ordinal);
        Assert.Contains("Webhooks:Endpoints:bad name!:Url must be an absolute", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("dG9vIHNob3J0", errors, StringComparison.Ordinal); // never echo a secret
        Assert.Equal(10, result.Failures!.Count());
    }

    [Fact]
    public void The_webhook_shortcut_becomes_an_endpoint_named_default_with_a_generated_secret()
    {
        string[] expected = ["--Webhooks:Endpoints:default:Url=http://127.0.0.1:9/hook", "--Webhooks:Endpoints:default:Secret=generate"];

        Assert.Equal(["--Nym:Emulator=true", .. expected], HttpConfiguration.ExpandShortcuts(["--emulator", "--webhook", "http://127.0.0.1:9/hook"]));
        Assert.Equal(expected, HttpConfiguration.ExpandShortcuts(["--webhook=http://127.0.0.1:9/hook"]));
    }

    [Fact]
    public async Task Events_the_inbox_evicts_before_delivery_are_counted_as_dropped()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var bridge = await StartBridgeAsync(receiver.Url, new Dictionary<string, string?> { ["Inbox:Capacity"] = "3" });

        Assert.Equal(HttpStatusCode.OK, (await bridge.Client.PostAsync($"/webhooks/{Name}/disable", null)).StatusCode);
        for (var i = 1; i <= 10; i++)
        {
            await bridge.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"m{i}"));
        }

        await bridge.Client.GetFromJsonAsync<JsonElement>("/messages?after=9&wait=10");
        await bridge.Client.PostAsync($"/webhooks/{Name}/enable", null);
        var state = await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 3);
        var received = await receiver.WaitForCountAsync(3);

        Assert.Equal(7, state.GetProperty("dropped").GetInt64());
        Assert.Equal(Enumerable.Range(8, 3), received.Select(r => int.Parse(r.Id[(r.Id.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public async Task Secrets_tags_payloads_and_url_queries_are_absent_from_logs_webhooks_and_status()
    {
        var log = new CapturingLoggerProvider(LogLevel.Information);
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) =>
        {
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("private-answer");
        });
        var url = new Uri(receiver.Url + "?token=query-secret");
        await using var bridge = await StartBridgeAsync(url, null, services => services.AddLogging(l => l.AddProvider(log)));

        var tag = Tag(42);
        await bridge.Emulator.InjectReceivedAsync("private-payload"u8.ToArray(), tag);
        await bridge.WaitForWebhookAsync(s => s.GetProperty("repliesSent").GetInt64() == 1);
        receiver.Handler = (_, http) => { http.Response.StatusCode = 500; return Task.CompletedTask; };
        await bridge.Emulator.InjectReceivedAsync("second-private"u8.ToArray(), tag);
        await bridge.WaitForAttemptsAsync(2);
        var webhooks = await bridge.Client.GetStringAsync("/webhooks");
        var status = await bridge.Client.GetStringAsync("/status");
        var attempts = await bridge.Client.GetStringAsync($"/webhooks/{Name}/attempts");

        var key = Secret["whsec_".Length..];
        foreach (var text in new[] { log.Text, webhooks, status, attempts })
        {
            Assert.DoesNotContain(key, text, StringComparison.Ordinal);
            Assert.DoesNotContain("query-secret", text, StringComparison.Ordinal);
            Assert.DoesNotContain(tag.ToString(), text, StringComparison.Ordinal);
            Assert.DoesNotContain("private", text, StringComparison.Ordinal);
        }

        Assert.Contains("\"webhooks\":[{\"name\":\"shop\"", status, StringComparison.Ordinal);
        Assert.Contains("Webhook shop", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_count_deliveries_replies_and_pending_events_by_endpoint_name()
    {
        var calls = 0;
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                http.Response.StatusCode = 500;
                return;
            }

            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("pong");
        });
        await using var bridge = await StartBridgeAsync(receiver.Url);
        var meters = bridge.Factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var deliveries = new MetricCollector<long>(meters, WebhookMetrics.MeterName, "nymbridge.webhook.deliveries");
        using var durations = new MetricCollector<double>(meters, WebhookMetrics.MeterName, "nymbridge.webhook.delivery.duration");
        using var replies = new MetricCollector<long>(meters, WebhookMetrics.MeterName, "nymbridge.webhook.replies");
        using var pending = new MetricCollector<long>(meters, WebhookMetrics.MeterName, "nymbridge.webhook.pending_events");

        await bridge.Emulator.InjectReceivedAsync("ping"u8.ToArray(), Tag(5));
        await bridge.WaitForWebhookAsync(s => s.GetProperty("repliesSent").GetInt64() == 1);
        await deliveries.WaitForMeasurementsAsync(2).DefaultTimeout();
        await replies.WaitForMeasurementsAsync(1).DefaultTimeout();
        pending.RecordObservableInstruments();

        Assert.Equal(["retried", "succeeded"], deliveries.GetMeasurementSnapshot().Select(m => m.Tags["outcome"]).Cast<string>().Order());
        Assert.All(deliveries.GetMeasurementSnapshot(), m => Assert.Equal("shop", m.Tags["endpoint"]));
        Assert.Equal(2, durations.GetMeasurementSnapshot().Count);
        Assert.Equal("s", durations.Instrument!.Unit);
        Assert.All(durations.GetMeasurementSnapshot(), m => Assert.InRange(m.Value, 0, 10));
        Assert.Equal("sent", replies.LastMeasurement!.Tags["outcome"]);
        Assert.Equal(0, pending.LastMeasurement!.Value);
        Assert.Equal("shop", pending.LastMeasurement.Tags["endpoint"]);
    }

    [Fact]
    public async Task The_management_api_answers_problems_for_unknown_names_and_bad_input()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var bridge = await StartBridgeAsync(receiver.Url);

        var unknown = await bridge.Client.GetAsync("/webhooks/nope/attempts");
        var both = await bridge.Client.PostAsJsonAsync($"/webhooks/{Name}/redeliver", new Dictionary<string, object> { ["seqs"] = new List<long> { 1 }, ["from"] = 1 });
        var badMax = await bridge.Client.GetAsync($"/webhooks/{Name}/attempts?max=0");
        var caseInsensitive = await bridge.Client.GetAsync("/webhooks/SHOP/failures");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("No webhook endpoint is named 'nope'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badMax.StatusCode);
        Assert.Equal(HttpStatusCode.OK, caseInsensitive.StatusCode);
    }
    [Fact]
    public async Task The_management_api_needs_the_api_key_when_one_is_set()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var bridge = await StartBridgeAsync(receiver.Url, new Dictionary<string, string?> { ["Bridge:ApiKey"] = "test-key-123" });

        var without = await bridge.Client.GetAsync("/webhooks");
        var disable = await bridge.Client.PostAsync($"/webhooks/{Name}/disable", null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/webhooks");
        request.Headers.Add("X-Api-Key", "test-key-123");
        var with = await bridge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, disable.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }
}
