namespace NymBridge.Api.Inbox;

/// <summary>The inbox counters for <c>GET /status</c>.</summary>
/// <param name="Store">Retained events and bytes, seq range, queue cursor, dropped and evicted totals.</param>
/// <param name="Accepted">Events handed over by the nym-client reader since start.</param>
/// <param name="Committed">Events durably appended to the store since start.</param>
/// <param name="Pending">Accepted events waiting for the next batch commit.</param>
/// <param name="Subscribers">Live subscriptions (SSE streams, SignalR connections).</param>
/// <param name="SubscriberCatchUps">Times a subscriber's buffer overflowed and it caught up from the store.</param>
/// <param name="StoreFailures">Appends the store refused (disk full, file unwritable); the batch is retried, nothing is dropped.</param>
/// <param name="LastStoreError">The last such failure, when one happened.</param>
public sealed record InboxStatus(
    string Epoch, InboxStats Store, long Accepted, long Committed, int Pending, int Subscribers, long SubscriberCatchUps,
    long StoreFailures, string? LastStoreError, DateTimeOffset? LastStoreErrorAt)
{
    /// <summary>The write path's counters and the fan-out's, as one.</summary>
    public static InboxStatus From(InboxWriter writer, InboxFeed feed)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(feed);
        // The count before the error, the reverse of the order the writer records them in: a failure counted here has its reason.
        var storeFailures = writer.StoreFailures;
        var lastError = writer.LastStoreError;
        return new(
            feed.Epoch, writer.Store, writer.Accepted, writer.Committed, writer.Pending, feed.Subscribers, feed.SubscriberCatchUps,
            storeFailures, lastError?.Error, lastError?.At);
    }
}
