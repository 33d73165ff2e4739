using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Webhooks;
using static NymBridge.Tests.Webhooks.WebhookTestKit;

namespace NymBridge.Tests.Webhooks;

/// <summary>A webhook state store that cannot save (a full disk) holds deliveries back, says why, and loses none.</summary>
public class WebhookStoreFaultTests
{
    [Fact]
    public async Task Events_admitted_while_the_store_fails_are_saved_once_it_recovers_and_delivered_after_a_restart()
    {
        using var temp = new TempDirectory();
        var inboxPath = Path.Combine(temp.Path, "inbox.db");
        var settings = new Dictionary<string, string?>
        {
            ["Inbox:Store"] = "Sqlite",
            ["Inbox:Path"] = inboxPath,
            [$"Webhooks:Endpoints:{Name}:Timeout"] = "00:02:00",
        };
        var hold = false;
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) =>
        {
            // Held deliveries stay in flight until the bridge stops, so no outcome of theirs is ever committed:
            // what the restart delivers comes from the rows that admission stored.
            if (Volatile.Read(ref hold))
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });

        var failing = new FailingWebhookStateStore(new JournaledWebhookStateStore(
            new SqliteWebhookStateStore(SqliteWebhookStateStore.PathFor(inboxPath), NullLogger.Instance), NullLogger.Instance));
        await using (var bridge = await StartBridgeAsync(receiver.Url, settings, s => s.AddSingleton<IWebhookStateStore>(failing)))
        {
            await bridge.Emulator.InjectReceivedAsync("a"u8.ToArray());
            await bridge.WaitForWebhookAsync(w => w.GetProperty("delivered").GetInt64() == 1);

            Volatile.Write(ref hold, true);
            failing.Failing = true;
            await bridge.Emulator.InjectReceivedAsync("b"u8.ToArray());
            await bridge.Emulator.InjectReceivedAsync("c"u8.ToArray());
            var shown = await bridge.WaitForWebhookAsync(HasStateError);
            Assert.Contains("full", shown.GetProperty("stateError").GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
            var status = await bridge.Client.GetFromJsonAsync<JsonElement>("/status").DefaultTimeout();
            var component = status.GetProperty("components").GetProperty("webhooks").EnumerateArray().Single();
            Assert.Contains("full", component.GetProperty("stateError").GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
            // Nothing goes out before its admission is saved.
            Assert.Single(receiver.Received);
            // A management change is in effect at once, but the caller hears that it is not saved yet.
            using var enable = await bridge.Client.PostAsync(new Uri($"/webhooks/{Name}/enable", UriKind.Relative), null).DefaultTimeout();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, enable.StatusCode);
            Assert.Equal("application/problem+json", enable.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(enable.Headers.RetryAfter);
            Assert.Contains("full", await enable.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

            failing.Failing = false;
            await bridge.WaitForWebhookAsync(w => !HasStateError(w));
            await bridge.Emulator.InjectReceivedAsync("d"u8.ToArray());
            await receiver.WaitForAsync(r => Messages(r).Contains("d"));
        }

        Volatile.Write(ref hold, false);
        await using (var again = await StartBridgeAsync(receiver.Url, settings))
        {
            await again.WaitForWebhookAsync(w => w.GetProperty("delivered").GetInt64() == 4);
        }

        Assert.Equal(["a", "b", "c", "d"], Messages(receiver.Received).Distinct().Order(StringComparer.Ordinal));
        Assert.Single(Messages(receiver.Received), m => m == "a");
    }

    [Fact]
    public async Task An_event_admitted_while_a_delivery_records_its_outcome_waits_for_its_own_admission_to_be_saved()
    {
        using var temp = new TempDirectory();
        var inboxPath = Path.Combine(temp.Path, "inbox.db");
        var settings = new Dictionary<string, string?> { ["Inbox:Store"] = "Sqlite", ["Inbox:Path"] = inboxPath };
        await using var receiver = await WebhookReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new FailingWebhookStateStore(new JournaledWebhookStateStore(
            new SqliteWebhookStateStore(SqliteWebhookStateStore.PathFor(inboxPath), NullLogger.Instance), NullLogger.Instance))
        {
            HoldOutcomes = release.Task,
        };
        await using var bridge = await StartBridgeAsync(receiver.Url, settings, s => s.AddSingleton<IWebhookStateStore>(store));

        await bridge.Emulator.InjectReceivedAsync("a"u8.ToArray());
        await store.OutcomeHeld.Task.DefaultTimeout();
        // b is admitted in memory; its admission's commit queues behind a's outcome, which a slow disk holds.
        await bridge.Emulator.InjectReceivedAsync("b"u8.ToArray());
        await bridge.WaitForWebhookAsync(w => w.GetProperty("cursor").GetInt64() == 2);
        // a's outcome commits, and the disk fills before b's admission does: the slot a frees must not take b.
        store.Failing = true;
        release.SetResult();
        await bridge.WaitForWebhookAsync(HasStateError);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var recovered = DateTimeOffset.UtcNow;
        store.Failing = false;

        var received = await receiver.WaitForAsync(r => Messages(r).Contains("b"));
        Assert.Equal(["a", "b"], Messages(received));
        Assert.True(received[1].At >= recovered, "b went out before its admission was saved");
    }

    private static bool HasStateError(JsonElement endpoint) =>
        endpoint.TryGetProperty("stateError", out var error) && error.ValueKind == JsonValueKind.Object;

    private static List<string> Messages(IReadOnlyList<ReceivedWebhook> received) =>
        [.. received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("message").GetString()!)];
}
