using System.Text;
using NymBridge.Protocol;
using static NymBridge.Tests.Webhooks.WebhookTestKit;

namespace NymBridge.Tests.Webhooks;

/// <summary>Where a new endpoint starts, which events it takes, and that its state survives a restart on SQLite.</summary>
public class WebhookStartTests
{
    [Fact]
    public async Task Start_from_oldest_takes_retained_events_new_takes_later_ones_and_events_filter_by_type()
    {
        using var temp = new TempDirectory();
        var sqlite = new Dictionary<string, string?> { ["Inbox:Store"] = "Sqlite", ["Inbox:Path"] = Path.Combine(temp.Path, "inbox.db") };
        await using (var before = await BridgeHost.StartAsync(sqlite))
        {
            await before.Emulator.InjectReceivedAsync("old 1"u8.ToArray());
            await before.Emulator.InjectErrorAsync(ErrorKind.Other, "old error");
            await before.Inbox.WaitForEventsAsync(1, 10, TestTimeout.Default, CancellationToken.None);
        }

        await using var oldest = await WebhookReceiver.StartAsync();
        await using var fresh = await WebhookReceiver.StartAsync();
        await using var errors = await WebhookReceiver.StartAsync();
        var settings = new Dictionary<string, string?>(sqlite)
        {
            [$"Webhooks:Endpoints:{Name}:StartFrom"] = "oldest",
            ["Webhooks:Endpoints:fresh:Url"] = fresh.Url.ToString(),
            ["Webhooks:Endpoints:fresh:Secret"] = Secret,
            ["Webhooks:Endpoints:errors:Url"] = errors.Url.ToString(),
            ["Webhooks:Endpoints:errors:Secret"] = Secret,
            ["Webhooks:Endpoints:errors:StartFrom"] = "oldest",
            ["Webhooks:Endpoints:errors:Events:0"] = "error",
        };
        await using (var bridge = await StartBridgeAsync(oldest.Url, settings))
        {
            await bridge.Emulator.InjectReceivedAsync("new 3"u8.ToArray());
            await oldest.WaitForCountAsync(2);
            await fresh.WaitForCountAsync(1);
            await errors.WaitForCountAsync(1);
            await WaitUntilAsync(() => bridge.Dispatcher().Endpoints.All(e => e.GetSummary() is { Pending: 0, InFlight: 0 }));
        }

        Assert.Equal("new 3|old 1", string.Join('|', oldest.Received.Select(Message).Order(StringComparer.Ordinal)));
        Assert.Equal("new 3", string.Join('|', fresh.Received.Select(Message).Order(StringComparer.Ordinal)));
        // Restarted on the same file: nothing delivered again, and the next event reaches each endpoint that wants it.
        await using (var again = await StartBridgeAsync(oldest.Url, settings))
        {
            await again.Emulator.InjectReceivedAsync("after restart"u8.ToArray());
            await oldest.WaitForCountAsync(3);
            await fresh.WaitForCountAsync(2);
        }

        Assert.Equal("after restart|new 3|old 1", string.Join('|', oldest.Received.Select(Message).Order(StringComparer.Ordinal)));
        Assert.Equal("after restart|new 3", string.Join('|', fresh.Received.Select(Message).Order(StringComparer.Ordinal)));
        Assert.Equal("old error", Message(Assert.Single(errors.Received)));
    }

    private static string Message(ReceivedWebhook r) =>
        System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("message").GetString()!;

    private static Task WaitUntilAsync(Func<bool> condition) => Eventually.WaitUntilAsync(condition, "the condition holds");
}
