namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox's retention bounds (<c>Inbox:Capacity</c> events, <c>Inbox:MaxBytes</c> payload bytes) and
/// the one rule every store evicts by: oldest first, until both bounds hold, and never the newest event,
/// even when it alone is over the byte bound (see <see cref="IInboxStore"/>). An evicted event that the
/// queue read had not taken yet (seq after the queue cursor) is also dropped.
/// </summary>
public sealed class RetentionPolicy
{
    public RetentionPolicy(long capacity, long maxBytes)
    {
        Capacity = capacity;
        MaxBytes = maxBytes;
    }

    public static RetentionPolicy From(InboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RetentionPolicy(options.Capacity, options.MaxBytes);
    }

    public long Capacity { get; }

    public long MaxBytes { get; }

    /// <summary>Whether a store holding this many events and payload bytes must evict.</summary>
    public bool MustEvict(long count, long bytes) => count > 1 && (count > Capacity || bytes > MaxBytes);

    /// <summary>
    /// Decides what to evict from a store that holds <paramref name="count"/> events of <paramref name="bytes"/>
    /// payload bytes in all. <paramref name="oldestFirst"/> is the retained events' seqs and payload sizes,
    /// oldest first; it is read only as far as needed, so a store can stream it from disk.
    /// </summary>
    public Eviction Evict(long count, long bytes, long queueCursor, IEnumerable<(long Seq, long Size)> oldestFirst)
    {
        ArgumentNullException.ThrowIfNull(oldestFirst);
        var eviction = new Eviction(count, bytes, 0, 0, 0);
        if (!MustEvict(count, bytes))
        {
            return eviction;
        }

        foreach (var (seq, size) in oldestFirst)
        {
            if (!MustEvict(count, bytes))
            {
                break;
            }

            count--;
            bytes -= size;
            eviction = new Eviction(count, bytes, eviction.Evicted + 1, eviction.Dropped + (seq > queueCursor ? 1 : 0), seq);
        }

        return eviction;
    }
}

/// <summary>What <see cref="RetentionPolicy.Evict"/> decided.</summary>
/// <param name="Count">Events retained after the eviction.</param>
/// <param name="Bytes">Payload bytes retained after the eviction.</param>
/// <param name="Evicted">How many of the oldest events to remove.</param>
/// <param name="Dropped">How many of those the queue read had not taken.</param>
/// <param name="LastEvictedSeq">The newest evicted seq, 0 when nothing is evicted.</param>
public readonly record struct Eviction(long Count, long Bytes, long Evicted, long Dropped, long LastEvictedSeq);
