namespace NymBridge.Api.Inbox;

/// <summary>
/// An append-only log of inbound events with bounded retention, plus the cursor of the queue read
/// (<c>GET /messages</c> without <c>after</c>). Kept small so that another engine (Redis Streams)
/// is a new implementation, not a rewrite.
/// </summary>
/// <remarks>
/// Retained events always form one unbroken range of seqs, <c>FirstSeq..LastSeq</c>: eviction only
/// ever removes the oldest. The newest event is always retained, even when it alone is larger than
/// the byte bound, so an append never loses what it just stored before anyone could read it.
/// Implementations are safe for concurrent use.
/// </remarks>
public interface IInboxStore : IAsyncDisposable
{
    /// <summary>Opens or creates the store; recovers the last seq, the queue cursor and the epoch.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>An id created with the store: a cursor from another epoch means nothing here.</summary>
    string Epoch { get; }

    /// <summary>
    /// Appends a batch (their <c>Seq</c> is ignored), assigning consecutive seqs after the last one ever
    /// used, durably (for SQLite, one transaction), then evicts the oldest events beyond the retention
    /// bounds. Evicted events that the queue had not taken are counted as dropped.
    /// </summary>
    /// <returns>The appended events with their seqs, in order (also those the same append evicted again).</returns>
    Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken);

    /// <summary>Retained events with seq &gt; <paramref name="afterSeq"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken);

    /// <summary>The retained event with this seq, or null when it was evicted or never existed.</summary>
    Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the next events the queue has not taken (at most <paramref name="max"/>) and moves the
    /// queue cursor past them, atomically and durably. No event is ever taken twice.
    /// </summary>
    Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken);

    /// <summary>Running totals kept in memory: cheap, never touches the disk.</summary>
    InboxStats GetStats();
}

/// <param name="FirstSeq">Oldest retained seq, or 0 when empty.</param>
/// <param name="LastSeq">The last seq ever assigned (also after eviction), 0 when none.</param>
/// <param name="QueueCursor">The last seq taken by a queue read.</param>
/// <param name="Dropped">Events evicted before a queue read took them.</param>
/// <param name="Evicted">Events evicted by the retention bounds, taken or not.</param>
public sealed record InboxStats(long Count, long Bytes, long FirstSeq, long LastSeq, long QueueCursor, long Dropped, long Evicted);

/// <summary>What a queue read took.</summary>
/// <param name="Events">The events taken, oldest first; the queue cursor is now the last one's seq.</param>
/// <param name="PreviousCursor">
/// The queue cursor before this take. When the first event's seq is beyond <c>PreviousCursor + 1</c>,
/// the events between were evicted (dropped) before any queue read took them.
/// </param>
public sealed record InboxTake(IReadOnlyList<InboxEvent> Events, long PreviousCursor)
{
    public bool Truncated => Events.Count > 0 && InboxSeq.IsGap(PreviousCursor, Events[0].Seq);
}
