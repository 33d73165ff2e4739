namespace NymBridge.Api.Inbox;

/// <summary>
/// The retained, ordered log of inbound events as readers see it: what <c>Messages/</c>, <c>Realtime/</c>,
/// <c>Webhooks/</c> and the metrics depend on, instead of any concrete inbox type.
/// </summary>
public interface IInboxFeed
{
    /// <summary>The store's epoch: a cursor from another epoch means nothing here. May change at run time (cluster mode).</summary>
    string Epoch { get; }

    /// <summary>The last seq assigned, 0 when none.</summary>
    long LastSeq { get; }

    /// <summary>Most events in one read page.</summary>
    int MaxPage { get; }

    /// <summary>
    /// <c>GET /messages</c>: without <paramref name="after"/> a queue read (takes the next events no queue
    /// read has taken), with it a replay (events with seq &gt; after, takes nothing). Returns at once when
    /// there is something to say (events, a reset or a gap); otherwise waits up to <paramref name="wait"/>
    /// and returns the first events committed meanwhile, or none.
    /// </summary>
    /// <param name="epoch">The epoch the caller's cursor belongs to; when it is another store's, the read is a
    /// replay from the oldest retained event and says <see cref="InboxReadResult.Reset"/>. Ignored for queue reads.</param>
    Task<InboxReadResult> ReadAsync(long? after, string? epoch, int max, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>
    /// Every committed event with seq &gt; <paramref name="afterSeq"/>, in order, without duplicates: first the
    /// retained backlog, then live events as batches commit. Ends when the inbox stops or the bridge begins to stop.
    /// A seq that is not the previous one's + 1 means retention evicted the events between (see <see cref="InboxSeq"/>).
    /// Throws <see cref="InboxUnavailableException"/> when a read of the store it needs fails (cluster mode: Redis);
    /// a caller ends its client's stream or connection then, so the client reconnects and resumes.
    /// </summary>
    IAsyncEnumerable<InboxEvent> SubscribeAsync(long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="SubscribeAsync(long, CancellationToken)"/>, only within <paramref name="epoch"/>: when the store is
    /// in another epoch, already or later, the subscription ends after the events of this one (or at once), so a
    /// caller that labels its events with <paramref name="epoch"/> (SSE's <c>ready</c>) can never label them wrongly.
    /// </summary>
    /// <param name="epoch">Typically what <see cref="ReadEpochAsync"/> just answered.</param>
    IAsyncEnumerable<InboxEvent> SubscribeAsync(long afterSeq, string epoch, CancellationToken cancellationToken = default);

    /// <summary>
    /// The store's epoch as the store has it now: <see cref="Epoch"/> when it is fixed (no round trip); a read of the
    /// store when it may change (cluster mode), which throws <see cref="InboxUnavailableException"/> when it cannot be reached.
    /// </summary>
    ValueTask<string> ReadEpochAsync(CancellationToken cancellationToken);

    /// <summary>One retained event (for <c>GET /messages/{seq}/payload</c>), or null when evicted or never assigned.</summary>
    Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken);
}
