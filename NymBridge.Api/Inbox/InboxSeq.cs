namespace NymBridge.Api.Inbox;

/// <summary>
/// Seqs are consecutive and never reused, and retention only ever evicts the oldest: so a reader can tell
/// from seqs alone whether it missed something. The one place that says how, for replays, queue reads and
/// subscriptions alike: a gap is never silent.
/// </summary>
public static class InboxSeq
{
    /// <summary>
    /// True when <paramref name="next"/> is not the event right after <paramref name="previous"/> (a reader's
    /// cursor or the last event it got): the events between were evicted before this reader got to them.
    /// </summary>
    public static bool IsGap(long previous, long next) => next > previous + 1;

    /// <summary>The cursor just before the oldest retained event (the last seq when nothing is retained).</summary>
    public static long BeforeOldest(InboxStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return stats.Count > 0 ? stats.FirstSeq - 1 : stats.LastSeq;
    }
}
