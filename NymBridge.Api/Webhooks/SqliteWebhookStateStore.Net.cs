namespace NymBridge.Api.Webhooks;

public sealed partial class SqliteWebhookStateStore
{
    /// <summary>What a batch of changes leaves for one endpoint: its last row, each seq's last write (null: removed), the attempts the log keeps.</summary>
    private sealed class NetChange(WebhookEndpointRow row)
    {
        public WebhookEndpointRow Row { get; set; } = row;
        public Dictionary<long, WebhookDelivery?> Deliveries { get; } = [];
        public List<WebhookAttempt> Attempts { get; } = [];
    }

    /// <summary>
    /// The net effect of <paramref name="changes"/> applied in order, per endpoint. A fold of the journal brings
    /// thousands of changes in which most deliveries are admitted and then removed, and most attempts are older
    /// than the log keeps: writing only what is left does a fraction of the statements, with the same result.
    /// </summary>
    private static IEnumerable<NetChange> Net(IReadOnlyList<WebhookStateChange> changes)
    {
        var endpoints = new Dictionary<string, NetChange>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var name = change.Endpoint.Name;
            if (!endpoints.TryGetValue(name, out var net))
            {
                endpoints[name] = net = new NetChange(change.Endpoint);
            }

            net.Row = change.Endpoint;

            // Within a change, removals come before the rows it writes (a retried delivery is replaced, not removed).
            foreach (var seq in change.Deletes ?? [])
            {
                net.Deliveries[seq] = null;
            }

            foreach (var delivery in change.Upserts ?? [])
            {
                net.Deliveries[delivery.Seq] = delivery;
            }

            if (change.Attempt is { } attempt)
            {
                net.Attempts.Add(attempt);
            }
        }

        foreach (var net in endpoints.Values)
        {
            if (net.Attempts.Count > IWebhookStateStore.MaxAttempts)
            {
                net.Attempts.RemoveRange(0, net.Attempts.Count - IWebhookStateStore.MaxAttempts);
            }

            yield return net;
        }
    }
}
