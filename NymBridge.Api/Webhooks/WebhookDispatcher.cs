using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using NymBridge.Api.Hosting;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Runs every configured endpoint. The inbox store is open (its epoch known) before any hosted service starts,
/// and closes only after every hosted service stopped, so the endpoints need no registration order.
/// </summary>
public sealed class WebhookDispatcher(
    IOptions<WebhooksOptions> options,
    IWebhookStateStore store,
    IInboxFeed inbox,
    IInboxCounters counters,
    WebhookSender sender,
    WebhookReplier replier,
    IOptions<JsonOptions> json,
    WebhookClock clock,
    ILoggerFactory loggers,
    IServiceProvider services) : IHostedService
{
    private readonly Dictionary<string, WebhookEndpoint> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly RunOnce _stop = new();

    public IReadOnlyCollection<WebhookEndpoint> Endpoints => _endpoints.Values;

    public WebhookEndpoint? Find(string name) => _endpoints.GetValueOrDefault(name);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Endpoints.Count == 0)
        {
            return;
        }

        await store.InitializeAsync(inbox.Epoch, cancellationToken);
        var metrics = services.GetRequiredService<WebhookMetrics>();
        var logger = loggers.CreateLogger<WebhookEndpoint>();
        foreach (var (name, endpoint) in options.Value.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            WebhookSecret.TryDecode(endpoint.Secret, out var key);
            var runtime = new WebhookEndpoint(
                name, endpoint, key, new WebhookInbox(inbox, counters), store, sender, replier, metrics, json.Value.SerializerOptions, clock.Time, logger);
            _endpoints[name] = runtime;
            await runtime.StartAsync(cancellationToken);
        }
    }

    /// <summary>The store closes after every endpoint committed what it decided; a second stop waits for the first.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _stop.RunAsync(async () =>
    {
        await Task.WhenAll(_endpoints.Values.Select(e => e.DisposeAsync().AsTask()));
        await store.DisposeAsync();
    });
}

/// <summary>What an endpoint reads of the inbox: the feed it follows and the retention counters it checks.</summary>
public sealed record WebhookInbox(IInboxFeed Feed, IInboxCounters Counters);

/// <summary>The clock of retries and reply windows: the app's <see cref="TimeProvider"/>, unless a test gives webhooks their own.</summary>
public sealed record WebhookClock(TimeProvider Time);
