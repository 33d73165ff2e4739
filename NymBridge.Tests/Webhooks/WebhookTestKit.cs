using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Webhooks;
using NymBridge.Protocol;

namespace NymBridge.Tests.Webhooks;

internal static class WebhookTestKit
{
    public const string Name = "shop";

    // 32 random bytes, fixed so a failing test can be reproduced by hand.
    public const string Secret = "whsec_q0d6x7JXnNZ4o6r1N0sPp1cC3n0tYt6gC0wJ0mVY1xg=";

    /// <summary>The bridge (in-process, emulator, memory inbox unless overridden) with one endpoint "shop" posting to the receiver.</summary>
    public static Task<BridgeHost> StartBridgeAsync(Uri url, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>
        {
            [$"Webhooks:Endpoints:{Name}:Url"] = url.ToString(),
            [$"Webhooks:Endpoints:{Name}:Secret"] = Secret,
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:0"] = "00:00:00.050",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:1"] = "00:00:00.050",
            [$"Webhooks:Endpoints:{Name}:RetrySchedule:2"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return BridgeHost.StartAsync(all, configure: services is null ? null : b => b.ConfigureServices(services));
    }

    public static SenderTag Tag(byte b) => SenderTag.FromBytes(Enumerable.Repeat(b, 16).ToArray());

    public static async Task<JsonElement> WebhooksAsync(this BridgeHost bridge) =>
        (await bridge.Client.GetFromJsonAsync<JsonElement>("/webhooks").DefaultTimeout()).EnumerateArray().Single();

    public static async Task<JsonElement[]> AttemptsAsync(this BridgeHost bridge, string name = Name) =>
        [.. (await bridge.Client.GetFromJsonAsync<JsonElement>($"/webhooks/{name}/attempts?max=1000").DefaultTimeout()).EnumerateArray()];

    /// <summary>Waits until the attempt log holds at least <paramref name="count"/> attempts (the outcome is committed).</summary>
    public static Task<JsonElement[]> WaitForAttemptsAsync(this BridgeHost bridge, int count) =>
        bridge.WaitForAttemptsAsync(a => a.Length >= count);

    public static Task<JsonElement[]> WaitForAttemptsAsync(this BridgeHost bridge, Func<JsonElement[], bool> condition) =>
        Eventually.ProbeUntilAsync(() => bridge.AttemptsAsync(), condition, "the attempts logged are what the test waits for");

    public static Task<JsonElement> WaitForWebhookAsync(this BridgeHost bridge, Func<JsonElement, bool> condition) =>
        Eventually.ProbeUntilAsync(() => bridge.WebhooksAsync(), condition, "GET /webhooks reached the expected state");

    public static IReadOnlyList<ReplyRequest> Replies(this BridgeHost bridge) =>
        [.. bridge.SentFrames().Select(f => RequestCodec.Decode(f.Data)).OfType<ReplyRequest>()];

    public static WebhookDispatcher Dispatcher(this BridgeHost bridge) => bridge.Factory.Services.GetRequiredService<WebhookDispatcher>();
}
