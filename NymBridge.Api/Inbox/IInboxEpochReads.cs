namespace NymBridge.Api.Inbox;

/// <summary>
/// A store whose epoch may change while it is open (Redis: a restart or a failover that may have lost writes
/// begins a new one). Its reads say which epoch their events belong to, read in the same step as the events, so
/// the feed never labels a new epoch's events with the old one. Stores with a fixed epoch (SQLite, memory) do not
/// implement it, and the feed reads them as before.
/// </summary>
public interface IInboxEpochReads
{
    /// <summary>A replay read (events with seq &gt; <paramref name="afterSeq"/>, at most <paramref name="max"/>; 0 reads only the state).</summary>
    Task<InboxPage> ReadPageAsync(long afterSeq, int max, CancellationToken cancellationToken);

    /// <summary>A queue read, as <see cref="IInboxStore.TakeAsync"/>, with the epoch it took in.</summary>
    Task<InboxEpochTake> TakeInEpochAsync(int max, CancellationToken cancellationToken);
}

/// <summary>One replay read with the state it was read in.</summary>
/// <param name="Epoch">The epoch the events belong to.</param>
/// <param name="Events">Retained events after the cursor, oldest first; the first seq above cursor + 1 means a gap.</param>
/// <param name="Stats">The log's state when the events were read.</param>
public sealed record InboxPage(string Epoch, IReadOnlyList<InboxEvent> Events, InboxStats Stats);

/// <summary>One queue read with the epoch it took in.</summary>
public sealed record InboxEpochTake(string Epoch, InboxTake Take);
