namespace NymBridge.Api.Inbox;

/// <summary>
/// An append-only log of inbound events with bounded retention, plus the cursor of the queue read
/// (<c>GET /messages</c> without <c>after</c>). Kept small so that another engine (Redis Streams)
/// is a new implementation, not a rewrite.
/// </summary>
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
    Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken);

    /// <summary>Retained events with seq &gt; <paramref name="afterSeq"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken);

    Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken);

    /// <summary>Returns the next events the queue has not taken (at most <paramref name="max"/>) and moves the queue cursor past them, atomically and durably.</summary>
    Task<IReadOnlyList<InboxEvent>> TakeAsync(int max, CancellationToken cancellationToken);

    InboxStats GetStats();
}

/// <param name="FirstSeq">Oldest retained seq, or 0 when empty.</param>
/// <param name="LastSeq">The last seq ever assigned (also after eviction), 0 when none.</param>
/// <param name="QueueCursor">The last seq taken by a queue read.</param>
/// <param name="Dropped">Events evicted before a queue read took them.</param>
public sealed record InboxStats(long Count, long Bytes, long FirstSeq, long LastSeq, long QueueCursor, long Dropped, long Evicted);
