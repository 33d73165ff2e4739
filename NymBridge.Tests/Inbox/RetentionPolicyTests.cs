using NymBridge.Api.Inbox;

namespace NymBridge.Tests.Inbox;

public sealed class RetentionPolicyTests
{
    /// <summary>Events with seqs first.., each of the given size, oldest first.</summary>
    private static (long Seq, long Size)[] Sizes(long first, params long[] sizes) =>
        sizes.Select((size, i) => (first + i, size)).ToArray();

    [Fact]
    public void Within_both_bounds_nothing_is_evicted_and_the_sizes_are_not_read()
    {
        var policy = new RetentionPolicy(capacity: 5, maxBytes: 100);

        var eviction = policy.Evict(5, 100, queueCursor: 0, Unreadable());

        Assert.Equal(new Eviction(5, 100, 0, 0, 0), eviction);
        Assert.False(policy.MustEvict(5, 100));
    }

    [Fact]
    public void Over_capacity_the_oldest_are_evicted_until_capacity_holds()
    {
        var policy = new RetentionPolicy(capacity: 3, maxBytes: 1_000);

        var eviction = policy.Evict(5, 50, queueCursor: 0, Sizes(11, 10, 10, 10, 10, 10));

        Assert.Equal(new Eviction(Count: 3, Bytes: 30, Evicted: 2, Dropped: 2, LastEvictedSeq: 12), eviction);
    }

    [Fact]
    public void Over_the_byte_bound_the_oldest_are_evicted_until_the_bytes_fit()
    {
        var policy = new RetentionPolicy(capacity: 100, maxBytes: 25);

        var eviction = policy.Evict(4, 40, queueCursor: 0, Sizes(1, 5, 10, 10, 15));

        Assert.Equal(new Eviction(Count: 2, Bytes: 25, Evicted: 2, Dropped: 2, LastEvictedSeq: 2), eviction);
    }

    [Fact]
    public void The_newest_event_is_retained_even_when_it_alone_is_over_the_byte_bound()
    {
        var policy = new RetentionPolicy(capacity: 100, maxBytes: 10);

        var eviction = policy.Evict(3, 1_002, queueCursor: 0, Sizes(7, 1, 1, 1_000));

        Assert.Equal(new Eviction(Count: 1, Bytes: 1_000, Evicted: 2, Dropped: 2, LastEvictedSeq: 8), eviction);
        Assert.False(policy.MustEvict(1, 1_000));
    }

    [Fact]
    public void Only_events_the_queue_had_not_taken_count_as_dropped()
    {
        var policy = new RetentionPolicy(capacity: 2, maxBytes: 1_000);

        var eviction = policy.Evict(6, 6, queueCursor: 3, Sizes(1, 1, 1, 1, 1, 1, 1));

        Assert.Equal(4, eviction.Evicted);
        Assert.Equal(1, eviction.Dropped); // seqs 1..3 were taken; only 4 was evicted untaken
        Assert.Equal(4, eviction.LastEvictedSeq);
    }

    [Fact]
    public void The_sizes_are_read_only_as_far_as_the_eviction_goes()
    {
        var policy = new RetentionPolicy(capacity: 8, maxBytes: 1_000);
        var read = 0;

        var eviction = policy.Evict(10, 10, queueCursor: 0, Counting(Sizes(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), () => read++));

        Assert.Equal(2, eviction.Evicted);
        Assert.Equal(3, read); // two evicted, and the third shows the bounds hold
    }

    [Fact]
    public void From_options_takes_capacity_and_max_bytes()
    {
        var policy = RetentionPolicy.From(new InboxOptions { Capacity = 42, MaxBytes = 4_096 });

        Assert.Equal(42, policy.Capacity);
        Assert.Equal(4_096, policy.MaxBytes);
    }

    private static IEnumerable<(long Seq, long Size)> Unreadable()
    {
        throw new InvalidOperationException("The sizes were read although nothing had to be evicted.");
#pragma warning disable CS0162 // an iterator needs a yield to be lazy
        yield break;
#pragma warning restore CS0162
    }

    private static IEnumerable<(long Seq, long Size)> Counting(IEnumerable<(long Seq, long Size)> sizes, Action onRead)
    {
        foreach (var size in sizes)
        {
            onRead();
            yield return size;
        }
    }
}
