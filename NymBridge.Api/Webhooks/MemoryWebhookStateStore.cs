namespace NymBridge.Api.Webhooks;

/// <summary>Webhook state for <c>Inbox:Store=Memory</c>: as durable as the inbox itself, the life of the process.</summary>
public sealed class MemoryWebhookStateStore : IWebhookStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Endpoint> _endpoints = new(StringComparer.Ordinal);

    private sealed class Endpoint(WebhookEndpointRow row)
    {
        public WebhookEndpointRow Row { get; set; } = row;
        public SortedDictionary<long, WebhookDelivery> Deliveries { get; } = [];
        public LinkedList<WebhookAttempt> Attempts { get; } = new();
        public Dictionary<long, DateTimeOffset> Claims { get; } = [];
    }

    public Task InitializeAsync(string epoch, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<WebhookSavedState?> LoadAsync(string endpoint, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_endpoints.TryGetValue(endpoint, out var e)
                ? new WebhookSavedState(e.Row, [.. e.Deliveries.Values], e.Attempts.Last?.Value.Id ?? 0)
                : null);
        }
    }

    public Task SaveAsync(IReadOnlyList<WebhookStateChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_lock)
        {
            foreach (var change in changes)
            {
                Apply(change);
            }
        }

        return Task.CompletedTask;
    }

    private void Apply(WebhookStateChange change)
    {
        if (!_endpoints.TryGetValue(change.Endpoint.Name, out var e))
        {
            _endpoints[change.Endpoint.Name] = e = new Endpoint(change.Endpoint);
        }

        e.Row = change.Endpoint;
        foreach (var seq in change.Deletes ?? [])
        {
            e.Deliveries.Remove(seq);
        }

        foreach (var delivery in change.Upserts ?? [])
        {
            e.Deliveries[delivery.Seq] = delivery;
        }

        if (change.Attempt is { } attempt)
        {
            e.Attempts.AddLast(attempt);
            while (e.Attempts.Count > IWebhookStateStore.MaxAttempts)
            {
                e.Attempts.RemoveFirst();
            }
        }
    }

    public Task<bool> ClaimReplyAsync(string endpoint, long seq, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var e = _endpoints[endpoint];
            foreach (var expired in e.Claims.Where(c => c.Value < now).Select(c => c.Key).ToList())
            {
                e.Claims.Remove(expired);
            }

            return Task.FromResult(e.Claims.TryAdd(seq, expiresAt));
        }
    }

    public Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(string endpoint, long afterId, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<WebhookAttempt> attempts = _endpoints.TryGetValue(endpoint, out var e)
                ? [.. e.Attempts.Where(a => a.Id > afterId).Take(max)]
                : [];
            return Task.FromResult(attempts);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
