using System.Collections.Concurrent;
using NymBridge.Api.Shutdown;

namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox as readers see it: long-poll reads and subscriptions, woken by every committed batch. Split by
/// concern: this file the wake signal and the page reads, <c>.Subscribe</c> the fan-out to subscribers.
/// </summary>
/// <remarks>
/// It reads everything through the <see cref="IInboxStore"/> and learns of commits only through
/// <see cref="OnCommitted"/>, so it makes no assumption that the batches came from the local
/// <see cref="InboxWriter"/> (in cluster mode a Redis tail reports them). Named InboxFeed, not Inbox: a type
/// named like its namespace cannot be used by its simple name from sibling namespaces (CS0118).
/// </remarks>
public sealed partial class InboxFeed : IInboxFeed, IInboxCommitObserver, IShutdownParticipant
{
    /// <summary>Most events in one read page (<c>GET /messages?max=</c>, a hub Replay page).</summary>
    public const int MaxPageSize = 1_000;

    private readonly IInboxStore _store;
    // Only a store whose epoch may change at run time (Redis); null for SQLite and memory, whose reads stay as they were.
    private readonly IInboxEpochReads? _epochReads;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxFeed> _logger;

    // Completed and replaced after every commit: readers take it before reading, so none misses a wake-up.
    private TaskCompletionSource _committedSignal = NewSignal();
    // Not an immutable array: with thousands of SignalR connections, copying it on every connect and
    // disconnect made connecting quadratic (5,000 connections: about 100 MB of discarded arrays).
    private readonly ConcurrentDictionary<Subscriber, byte> _subscribers = new();
    private volatile bool _closed;
    private volatile bool _releasing;
    private long _subscriberCatchUps;

    public InboxFeed(IInboxStore store, TimeProvider time, ILogger<InboxFeed> logger)
    {
        _store = store;
        _epochReads = store as IInboxEpochReads;
        _time = time;
        _logger = logger;
    }

    /// <summary>The store's epoch (valid once the store is open).</summary>
    public string Epoch => _store.Epoch;

    public long LastSeq => _store.GetStats().LastSeq;

    public int MaxPage => MaxPageSize;

    /// <summary>Live subscriptions (SSE streams, SignalR connections, webhook endpoints).</summary>
    public int Subscribers => _subscribers.Count;

    /// <summary>Times a subscriber's buffer overflowed and it caught up from the store.</summary>
    public long SubscriberCatchUps => Interlocked.Read(ref _subscriberCatchUps);

    /// <summary>Wakes every waiting reader, then hands the events to subscribers without ever waiting on them.</summary>
    public void OnCommitted(IReadOnlyList<InboxEvent> committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        Wake();
        Publish(committed);
    }

    /// <summary>The writer stopped: subscriptions end after what their buffers hold, waiting reads answer with what there is.</summary>
    public void OnClosed()
    {
        _closed = true;
        CompleteSubscribers();
        Wake();
    }

    /// <summary>
    /// The bridge begins to stop: waiting reads return what they have at once, and subscriptions (SSE, SignalR)
    /// end after what their buffers hold, so none of them holds up the server's drain. Events go on being
    /// accepted and stored until the writer stops: the nym-client reader still delivers what was pushed.
    /// </summary>
    public void OnShutdownStarted()
    {
        _releasing = true;
        CompleteSubscribers();
        Wake();
    }

    /// <remarks>
    /// Waiting costs no thread and no polling: every waiter awaits the same per-commit signal, with its
    /// own timeout from the <see cref="TimeProvider"/>, and wakes as soon as a batch commits.
    /// </remarks>
    public async Task<InboxReadResult> ReadAsync(long? after, string? epoch, int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero);
        if (after is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(after));
        }

        if (_epochReads is { } epochReads)
        {
            return await ReadInEpochAsync(epochReads, after, epoch, max, wait, cancellationToken);
        }

        var storeEpoch = _store.Epoch;
        var reset = after is not null && epoch is not null && !string.Equals(epoch, storeEpoch, StringComparison.Ordinal);
        var from = reset ? 0 : after;
        var started = _time.GetTimestamp();
        while (true)
        {
            // Taken before reading: a commit after this point completes it, so no wake-up falls between.
            var committed = Volatile.Read(ref _committedSignal).Task;
            var (events, cursor, truncated) = from is { } replayFrom
                ? await ReplayAsync(replayFrom, max, cancellationToken)
                : await TakeAsync(max, cancellationToken);

            var remaining = wait - _time.GetElapsedTime(started);
            if (events.Count > 0 || reset || truncated || remaining <= TimeSpan.Zero || _closed || _releasing)
            {
                return new InboxReadResult(events, cursor, storeEpoch, reset, truncated);
            }

            await committed.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            if (_closed || _releasing)
            {
                return new InboxReadResult(events, cursor, storeEpoch, reset, truncated); // woken by the stop: answer with what there is
            }
        }
    }

    public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken) => _store.GetAsync(seq, cancellationToken);

    private async Task<(IReadOnlyList<InboxEvent> Events, long Cursor, bool Truncated)> TakeAsync(int max, CancellationToken cancellationToken)
    {
        var take = await _store.TakeAsync(max, cancellationToken);
        return (take.Events, take.Events.Count > 0 ? take.Events[^1].Seq : take.PreviousCursor, take.Truncated);
    }

    private async Task<(IReadOnlyList<InboxEvent> Events, long Cursor, bool Truncated)> ReplayAsync(long after, int max, CancellationToken cancellationToken)
    {
        var events = await _store.ReadAfterAsync(after, max, cancellationToken);
        if (events.Count > 0)
        {
            return (events, events[^1].Seq, InboxSeq.IsGap(after, events[0].Seq));
        }

        // Nothing retained after the cursor: a gap only if events after it existed and are gone already.
        var beforeOldest = InboxSeq.BeforeOldest(_store.GetStats());
        return after < beforeOldest ? (events, beforeOldest, true) : (events, after, false);
    }

    private void CompleteSubscribers()
    {
        foreach (var (subscriber, _) in _subscribers)
        {
            subscriber.Complete();
        }
    }

    private void Wake() => Interlocked.Exchange(ref _committedSignal, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
