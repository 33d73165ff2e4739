namespace NymBridge.Api.Inbox;

public sealed partial class InboxFeed
{
    /// <summary>
    /// The log goes on in a new epoch (cluster mode: Redis may have lost writes, so the seqs delivered so far mean
    /// nothing any more): subscriptions end after what their buffers hold, and waiting reads wake to find the new
    /// epoch. Clients come back with their old epoch and are told <c>reset</c>, as after a store swap in single mode.
    /// </summary>
    /// <remarks>Unlike <see cref="OnClosed"/> the feed stays open: subscriptions started from now on run in the new epoch.</remarks>
    public void OnEpochChanged()
    {
        CompleteSubscribers();
        Wake();
    }

    /// <summary>
    /// <see cref="ReadAsync"/> over a store whose epoch may change at run time: every answer carries the epoch of
    /// the very read that returned its events, and a caller's epoch is compared with that, not with a cached one.
    /// </summary>
    private async Task<InboxReadResult> ReadInEpochAsync(
        IInboxEpochReads reads, long? after, string? epoch, int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var from = after;
        var reset = false;
        var started = _time.GetTimestamp();
        while (true)
        {
            var committed = Volatile.Read(ref _committedSignal).Task;
            string readEpoch;
            IReadOnlyList<InboxEvent> events;
            long cursor;
            bool truncated;
            if (from is { } replayFrom)
            {
                var page = await reads.ReadPageAsync(replayFrom, max, cancellationToken);
                if (!reset && epoch is not null && !string.Equals(epoch, page.Epoch, StringComparison.Ordinal))
                {
                    // The cursor is another epoch's: replay from the oldest retained event of the epoch just read.
                    reset = true;
                    if (replayFrom != 0)
                    {
                        from = 0;
                        continue;
                    }
                }

                readEpoch = page.Epoch;
                (events, cursor, truncated) = Replayed(replayFrom, page);
            }
            else
            {
                var take = await reads.TakeInEpochAsync(max, cancellationToken);
                readEpoch = take.Epoch;
                events = take.Take.Events;
                cursor = events.Count > 0 ? events[^1].Seq : take.Take.PreviousCursor;
                truncated = take.Take.Truncated;
            }

            var remaining = wait - _time.GetElapsedTime(started);
            if (events.Count > 0 || reset || truncated || remaining <= TimeSpan.Zero || _closed || _releasing)
            {
                return new InboxReadResult(events, cursor, readEpoch, reset, truncated);
            }

            await committed.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            if (_closed || _releasing)
            {
                return new InboxReadResult(events, cursor, readEpoch, reset, truncated);
            }

            // Also woken by an epoch change: the next read sees the new epoch and, for a replay with an epoch, says reset.
        }
    }

    private static (IReadOnlyList<InboxEvent> Events, long Cursor, bool Truncated) Replayed(long after, InboxPage page)
    {
        var events = page.Events;
        if (events.Count > 0)
        {
            return (events, events[^1].Seq, InboxSeq.IsGap(after, events[0].Seq));
        }

        // Nothing retained after the cursor: a gap only if events after it existed and are gone already.
        var beforeOldest = InboxSeq.BeforeOldest(page.Stats);
        return after < beforeOldest ? (events, beforeOldest, true) : (events, after, false);
    }

    /// <summary>A subscriber's catch-up read; null (the subscription ends) when the log has moved to another epoch.</summary>
    private async Task<IReadOnlyList<InboxEvent>?> CatchUpInEpochAsync(long after, string epoch, CancellationToken cancellationToken)
    {
        var page = await _epochReads!.ReadPageAsync(after, CatchUpPage, cancellationToken);
        return string.Equals(page.Epoch, epoch, StringComparison.Ordinal) ? page.Events : null;
    }
}
