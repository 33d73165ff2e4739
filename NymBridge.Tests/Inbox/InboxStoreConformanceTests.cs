using NymBridge.Api.Inbox;
using NymBridge.Protocol;

namespace NymBridge.Tests.Inbox;

/// <summary>What every <see cref="IInboxStore"/> must do; run once per implementation.</summary>
public abstract class InboxStoreConformanceTests : IAsyncLifetime
{
    private readonly List<IInboxStore> _opened = [];

    /// <summary>Creates a store (not yet initialized) with these retention bounds.</summary>
    protected abstract IInboxStore Create(long capacity, long maxBytes);

    protected async Task<IInboxStore> OpenAsync(long capacity = 1_000, long maxBytes = 1 << 20)
    {
        var store = Create(capacity, maxBytes);
        Track(store);
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        return store;
    }

    /// <summary>Disposes the store when the test ends (disposing twice is allowed).</summary>
    protected void Track(IInboxStore store) => _opened.Add(store);

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task Append_assigns_consecutive_seqs_from_one_across_batches()
    {
        var store = await OpenAsync();

        var first = await store.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        var second = await store.AppendAsync(TestEvents.Many(2, firstIndex: 4), CancellationToken.None).DefaultTimeout();

        Assert.Equal([1L, 2, 3], first.Select(e => e.Seq));
        Assert.Equal([4L, 5], second.Select(e => e.Seq));
        Assert.Equal([1, 2, 3, 4, 5], (await store.ReadAfterAsync(0, 100, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
        var stats = store.GetStats();
        Assert.Equal(new InboxStats(Count: 5, Bytes: 40, FirstSeq: 1, LastSeq: 5, QueueCursor: 0, Dropped: 0, Evicted: 0), stats);
    }

    [Fact]
    public async Task Append_ignores_the_seq_it_is_given_and_an_empty_batch_changes_nothing()
    {
        var store = await OpenAsync();

        var appended = await store.AppendAsync([TestEvents.Received(1) with { Seq = 42 }], CancellationToken.None).DefaultTimeout();
        var none = await store.AppendAsync([], CancellationToken.None).DefaultTimeout();

        Assert.Equal(1, Assert.Single(appended).Seq);
        Assert.Empty(none);
        Assert.Equal(1, store.GetStats().LastSeq);
    }

    [Fact]
    public async Task Events_round_trip_every_field()
    {
        var store = await OpenAsync();
        var received = TestEvents.Received(7, size: 300, tag: TestEvents.Tag);
        var error = new InboxEvent(0, InboxEventType.Error, TestEvents.ReceivedAt, "malformed request: too short"u8.ToArray(), ErrorKind: ErrorKind.MalformedRequest);
        var empty = new InboxEvent(0, InboxEventType.Received, TestEvents.ReceivedAt, ReadOnlyMemory<byte>.Empty);

        await store.AppendAsync([received, error, empty], CancellationToken.None).DefaultTimeout();

        var all = await store.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout();
        Assert.Equal(3, all.Count);
        AssertSame(received with { Seq = 1 }, all[0]);
        AssertSame(error with { Seq = 2 }, all[1]);
        AssertSame(empty with { Seq = 3 }, all[2]);
        AssertSame(error with { Seq = 2 }, (await store.GetAsync(2, CancellationToken.None).DefaultTimeout())!);
        Assert.Null(await store.GetAsync(4, CancellationToken.None).DefaultTimeout());
        Assert.Null(await store.GetAsync(0, CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Retention_by_count_evicts_oldest_and_seqs_continue()
    {
        var store = await OpenAsync(capacity: 5);

        await store.AppendAsync(TestEvents.Many(8), CancellationToken.None).DefaultTimeout();
        var next = await store.AppendAsync(TestEvents.Many(1, firstIndex: 9), CancellationToken.None).DefaultTimeout();

        Assert.Equal(9, Assert.Single(next).Seq);
        var stats = store.GetStats();
        Assert.Equal((5L, 5L, 9L, 4L), (stats.Count, stats.FirstSeq, stats.LastSeq, stats.Evicted));
        Assert.Equal([5, 6, 7, 8, 9], (await store.ReadAfterAsync(0, 100, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
        Assert.Null(await store.GetAsync(4, CancellationToken.None).DefaultTimeout());
        Assert.NotNull(await store.GetAsync(5, CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Retention_by_bytes_evicts_oldest_until_the_payloads_fit()
    {
        var store = await OpenAsync(maxBytes: 1024);

        await store.AppendAsync(TestEvents.Many(5, size: 300), CancellationToken.None).DefaultTimeout();

        var stats = store.GetStats();
        Assert.Equal((3L, 900L, 3L, 5L, 2L), (stats.Count, stats.Bytes, stats.FirstSeq, stats.LastSeq, stats.Evicted));
        Assert.Null(await store.GetAsync(2, CancellationToken.None).DefaultTimeout());
        Assert.Equal([3, 4, 5], (await store.ReadAfterAsync(0, 100, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
    }

    [Fact]
    public async Task The_newest_event_is_kept_even_when_it_alone_exceeds_the_byte_bound()
    {
        var store = await OpenAsync(maxBytes: 1024);

        await store.AppendAsync(TestEvents.Many(2, size: 100), CancellationToken.None).DefaultTimeout();
        await store.AppendAsync([TestEvents.Received(3, size: 5000)], CancellationToken.None).DefaultTimeout();

        var stats = store.GetStats();
        Assert.Equal((1L, 5000L, 3L, 3L), (stats.Count, stats.Bytes, stats.FirstSeq, stats.LastSeq));
        Assert.Equal(5000, (await store.GetAsync(3, CancellationToken.None).DefaultTimeout())!.Payload.Length);
    }

    [Fact]
    public async Task Evicted_events_the_queue_had_not_taken_count_as_dropped()
    {
        var store = await OpenAsync(capacity: 3);

        await store.AppendAsync(TestEvents.Many(5), CancellationToken.None).DefaultTimeout(); // evicts 1, 2: never taken
        Assert.Equal((2L, 2L), (store.GetStats().Dropped, store.GetStats().Evicted));

        var take = await store.TakeAsync(2, CancellationToken.None).DefaultTimeout();
        Assert.Equal([3L, 4], take.Events.Select(e => e.Seq));
        Assert.True(take.Truncated);

        await store.AppendAsync(TestEvents.Many(3, firstIndex: 6), CancellationToken.None).DefaultTimeout(); // evicts 3, 4 (taken) and 5 (not)
        var stats = store.GetStats();
        Assert.Equal((3L, 5L, 4L), (stats.Dropped, stats.Evicted, stats.QueueCursor));
    }

    [Fact]
    public async Task Take_moves_the_cursor_and_never_returns_an_event_twice()
    {
        var store = await OpenAsync();
        await store.AppendAsync(TestEvents.Many(10), CancellationToken.None).DefaultTimeout();

        var first = await store.TakeAsync(3, CancellationToken.None).DefaultTimeout();
        var rest = await store.TakeAsync(100, CancellationToken.None).DefaultTimeout();
        var none = await store.TakeAsync(100, CancellationToken.None).DefaultTimeout();

        Assert.Equal([1L, 2, 3], first.Events.Select(e => e.Seq));
        Assert.Equal((0L, false), (first.PreviousCursor, first.Truncated));
        Assert.Equal(Enumerable.Range(4, 7).Select(i => (long)i), rest.Events.Select(e => e.Seq));
        Assert.Equal(3, rest.PreviousCursor);
        Assert.Empty(none.Events);
        Assert.Equal(10, none.PreviousCursor);
        Assert.Equal(10, store.GetStats().QueueCursor);
    }

    [Fact]
    public async Task Concurrent_takes_share_the_events_exactly_once()
    {
        var store = await OpenAsync(capacity: 10_000);
        await store.AppendAsync(TestEvents.Many(2_000), CancellationToken.None).DefaultTimeout();

        var takers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>();
            while ((await store.TakeAsync(7, CancellationToken.None).DefaultTimeout()).Events is { Count: > 0 } events)
            {
                Assert.Equal(Enumerable.Range((int)events[0].Seq, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
                mine.AddRange(events.Select(e => e.Seq));
            }

            return mine;
        }));
        var all = (await Task.WhenAll(takers).DefaultTimeout()).SelectMany(x => x).Order();

        Assert.Equal(Enumerable.Range(1, 2_000).Select(i => (long)i), all);
    }

    [Fact]
    public async Task ReadAfter_takes_nothing_and_honours_after_and_max()
    {
        var store = await OpenAsync();
        await store.AppendAsync(TestEvents.Many(10), CancellationToken.None).DefaultTimeout();

        var page = await store.ReadAfterAsync(4, 3, CancellationToken.None).DefaultTimeout();
        var beyond = await store.ReadAfterAsync(10, 3, CancellationToken.None).DefaultTimeout();
        var take = await store.TakeAsync(100, CancellationToken.None).DefaultTimeout();

        Assert.Equal([5L, 6, 7], page.Select(e => e.Seq));
        Assert.Empty(beyond);
        Assert.Equal(10, take.Events.Count);
    }

    [Fact]
    public async Task Epoch_is_stable_per_store_and_differs_between_stores()
    {
        var one = await OpenAsync();
        var other = await OpenAsync();

        var epoch = one.Epoch;
        await one.AppendAsync(TestEvents.Many(3), CancellationToken.None).DefaultTimeout();
        await one.TakeAsync(1, CancellationToken.None).DefaultTimeout();

        Assert.False(string.IsNullOrWhiteSpace(epoch));
        Assert.Equal(epoch, one.Epoch);
        Assert.NotEqual(epoch, other.Epoch);
    }

    [Fact]
    public async Task An_empty_store_reports_zeroes()
    {
        var store = await OpenAsync();

        Assert.Equal(new InboxStats(0, 0, 0, 0, 0, 0, 0), store.GetStats());
        Assert.Empty(await store.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout());
        Assert.Empty((await store.TakeAsync(10, CancellationToken.None).DefaultTimeout()).Events);
    }

    [Fact]
    public async Task A_batch_larger_than_the_capacity_keeps_its_newest_events()
    {
        var store = await OpenAsync(capacity: 10);

        var appended = await store.AppendAsync(TestEvents.Many(1_000), CancellationToken.None).DefaultTimeout();

        Assert.Equal(1_000, appended.Count);
        var stats = store.GetStats();
        Assert.Equal((10L, 991L, 1_000L, 990L, 990L), (stats.Count, stats.FirstSeq, stats.LastSeq, stats.Evicted, stats.Dropped));
        Assert.Equal(Enumerable.Range(991, 10), (await store.ReadAfterAsync(0, 100, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
    }

    protected static void AssertSame(InboxEvent expected, InboxEvent actual)
    {
        Assert.Equal(expected.Seq, actual.Seq);
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.ReceivedAt, actual.ReceivedAt);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.SenderTag, actual.SenderTag);
        Assert.Equal(expected.ErrorKind, actual.ErrorKind);
    }
}

public sealed class MemoryInboxStoreTests : InboxStoreConformanceTests
{
    protected override IInboxStore Create(long capacity, long maxBytes) =>
        new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory, Capacity = capacity, MaxBytes = maxBytes });
}
