namespace NymBridge.Api.Inbox;

public sealed partial class InboxService
{
    /// <summary>
    /// <c>GET /messages</c>: without <paramref name="after"/> a queue read (takes the next events no queue
    /// read has taken), with it a replay (events with seq &gt; after, takes nothing). Returns at once when
    /// there is something to say (events, a reset or a gap); otherwise waits up to <paramref name="wait"/>
    /// and returns the first events committed meanwhile, or none.
    /// </summary>
    /// <param name="epoch">The epoch the caller's cursor belongs to; when it is another store's, the read is a
    /// replay from the oldest retained event and says <see cref="InboxReadResult.Reset"/>. Ignored for queue reads.</param>
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

    /// <summary><see cref="ReadAsync"/> without epochs: a queue read when <paramref name="afterSeq"/> is null, else a replay.</summary>
    public async Task<IReadOnlyList<InboxEvent>> WaitForEventsAsync(long? afterSeq, int max, TimeSpan wait, CancellationToken cancellationToken) =>
        (await ReadAsync(afterSeq, null, max, wait, cancellationToken)).Events;

    /// <summary>One retained event (for <c>GET /messages/{seq}/payload</c>), or null when evicted or never assigned.</summary>
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
            // Seqs are consecutive, so a first event beyond after + 1 means the ones between were evicted.
            return (events, events[^1].Seq, events[0].Seq > after + 1);
        }

        // Nothing retained after the cursor: a gap only if events after it existed and are gone already.
        var stats = _store.GetStats();
        var beforeOldest = stats.Count > 0 ? stats.FirstSeq - 1 : stats.LastSeq;
        return after < beforeOldest ? (events, beforeOldest, true) : (events, after, false);
    }
}
