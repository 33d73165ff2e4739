namespace NymBridge.Api.Cluster;

/// <summary>
/// Told what <see cref="RedisInboxTail"/> finds besides commits: the two ways the log it follows can fail to
/// go on from where this instance stood.
/// </summary>
/// <remarks>
/// How the feed turns them into what clients see (its side is for the wiring of cluster mode):
/// <list type="bullet">
/// <item><b>Epoch change</b> (Redis may have lost writes, or restarted empty): the seqs this instance delivered
/// mean nothing any more, so the tail does not hand the new epoch's events on as if they followed them. It
/// jumps to the new epoch's last seq and calls <see cref="OnEpochChanged"/>; the feed then ends its
/// subscriptions and wakes its waiting reads. Clients come back with their old epoch and get <c>reset</c>
/// (SSE's reset event, <c>reset: true</c> in a long-poll), exactly as after a store swap in single mode;
/// commits after the jump flow on as usual.</item>
/// <item><b>Gap</b> (this instance fell further behind than retention keeps, e.g. cut off from Redis for a
/// while): the tail delivers the next batch anyway, its first seq above the last one delivered + 1.
/// Subscribers already treat a seq beyond the next one as missed events and read them from the store, which
/// returns the first retained seq above their cursor + 1: they report <c>truncated</c> as in single mode.
/// <see cref="OnGap"/> is for metrics and logs; nothing has to be done for correctness.</item>
/// </list>
/// Both are called from the tail's loop, in order with the commits; they must not block or throw.
/// </remarks>
public interface IInboxTailListener
{
    void OnEpochChanged(string previousEpoch, string epoch, long lastSeq);

    void OnGap(long lastDeliveredSeq, long firstSeq);
}
