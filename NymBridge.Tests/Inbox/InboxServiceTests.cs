using NymBridge.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NymBridge.Api.Inbox;
using NymBridge.Protocol;

namespace NymBridge.Tests.Inbox;

public sealed class InboxServiceTests
{
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ten_thousand_accepted_events_are_queue_read_exactly_once_in_order()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        var accepting = inbox.AcceptAsync(10_000);

        var seen = new List<InboxEvent>();
        while (seen.Count < 10_000)
        {
            var read = await inbox.Feed.ReadAsync(null, null, 1_000, LongWait, CancellationToken.None).DefaultTimeout();
            Assert.NotEmpty(read.Events);
            Assert.False(read.Truncated);
            Assert.Equal(read.Events[^1].Seq, read.Cursor);
            seen.AddRange(read.Events);
        }

        await accepting.DefaultTimeout();
        Assert.Equal(Enumerable.Range(1, 10_000).Select(i => (long)i), seen.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 10_000), seen.Select(TestEvents.IndexOf));
        Assert.Empty(await inbox.WaitForEventsAsync(null, 1_000, TimeSpan.Zero, CancellationToken.None).DefaultTimeout());
        var status = inbox.Status;
        Assert.Equal((10_000L, 10_000L, 0, 10_000L), (status.Accepted, status.Committed, status.Pending, status.Store.QueueCursor));
    }

    [Fact]
    public async Task A_replay_returns_the_rest_without_taking_anything()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        await inbox.AcceptAsync(100);
        await inbox.CommittedAsync(100);

        var replay = await inbox.Feed.ReadAsync(40, inbox.Feed.Epoch, 1_000, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();
        var queue = await inbox.WaitForEventsAsync(null, 1_000, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();

        Assert.Equal(Enumerable.Range(41, 60).Select(i => (long)i), replay.Events.Select(e => e.Seq));
        Assert.Equal((100L, false, false), (replay.Cursor, replay.Reset, replay.Truncated));
        Assert.Equal(100, queue.Count);
    }

    [Fact]
    public async Task Of_many_waiting_queue_readers_exactly_one_takes_an_event()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        using var cts = new CancellationTokenSource();

        var waiting = Enumerable.Range(0, 100)
            .Select(_ => inbox.Feed.ReadAsync(null, null, 10, LongWait, cts.Token))
            .ToArray();
        await inbox.AcceptAsync(1);
        var taken = await Task.WhenAny(waiting).DefaultTimeout();
        await cts.CancelAsync();
        await Task.WhenAll(waiting).ContinueWith(_ => { }, TaskScheduler.Default).DefaultTimeout();

        Assert.Equal(1, Assert.Single((await taken.DefaultTimeout()).Events).Seq);
        Assert.Equal(1, waiting.Count(w => w.IsCompletedSuccessfully));
    }

    [Fact]
    public async Task A_read_with_nothing_to_return_ends_empty_when_its_wait_is_over()
    {
        var time = new FakeTimeProvider();
        await using var inbox = await InboxHarness.StartMemoryAsync(time: time);

        var reading = inbox.Feed.ReadAsync(null, null, 10, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(reading.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(30));
        var read = await reading.DefaultTimeout();

        Assert.Empty(read.Events);
        Assert.Equal((0L, inbox.Feed.Epoch, false, false), (read.Cursor, read.Epoch, read.Reset, read.Truncated));
    }

    [Fact]
    public async Task A_cancelled_wait_throws()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        using var cts = new CancellationTokenSource();

        var waiting = inbox.Feed.ReadAsync(0, null, 10, LongWait, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting).DefaultTimeout();
    }

    [Fact]
    public async Task A_cursor_from_another_epoch_resets_to_the_oldest_retained_event()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync(capacity: 4);
        await inbox.AcceptAsync(6);
        await inbox.CommittedAsync(6);

        var foreign = await inbox.Feed.ReadAsync(5, "another-epoch", 100, LongWait, CancellationToken.None).DefaultTimeout();
        var same = await inbox.Feed.ReadAsync(4, inbox.Feed.Epoch, 100, LongWait, CancellationToken.None).DefaultTimeout();
        var unknown = await inbox.Feed.ReadAsync(4, null, 100, LongWait, CancellationToken.None).DefaultTimeout();

        Assert.True(foreign.Reset);
        Assert.True(foreign.Truncated); // this epoch's 1 and 2 are gone too
        Assert.Equal(inbox.Feed.Epoch, foreign.Epoch);
        Assert.Equal([3L, 4, 5, 6], foreign.Events.Select(e => e.Seq));
        Assert.False(same.Reset);
        Assert.Equal([5L, 6], same.Events.Select(e => e.Seq));
        Assert.False(unknown.Reset);
    }

    [Fact]
    public async Task A_reset_is_reported_at_once_even_with_nothing_to_return()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();

        var read = await inbox.Feed.ReadAsync(17, "another-epoch", 100, LongWait, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(read.Reset);
        Assert.Empty(read.Events);
        Assert.Equal(0, read.Cursor);
    }

    [Fact]
    public async Task Evicted_events_after_a_cursor_are_reported_as_truncated()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync(capacity: 5);
        await inbox.AcceptAsync(10);
        await inbox.CommittedAsync(10);

        var gap = await inbox.Feed.ReadAsync(2, inbox.Feed.Epoch, 100, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();
        var noGap = await inbox.Feed.ReadAsync(5, inbox.Feed.Epoch, 100, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();
        var queue = await inbox.Feed.ReadAsync(null, null, 100, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();

        Assert.True(gap.Truncated);
        Assert.Equal([6L, 7, 8, 9, 10], gap.Events.Select(e => e.Seq));
        Assert.False(noGap.Truncated);
        Assert.Equal(5, noGap.Events.Count);
        Assert.True(queue.Truncated); // 1..5 were dropped before any queue read
        Assert.Equal([6L, 7, 8, 9, 10], queue.Events.Select(e => e.Seq));
        Assert.Equal(5, inbox.Status.Store.Dropped);
    }

    [Fact]
    public async Task A_subscription_gets_the_backlog_then_live_events_without_gap_or_duplicate()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        await inbox.AcceptAsync(500);
        await inbox.CommittedAsync(500);

        var reading = inbox.Feed.SubscribeAsync(100).ReadItemsAsync(2_400);
        var accepting = inbox.AcceptAsync(2_000, firstIndex: 501);
        var events = await reading.DefaultTimeout();
        await accepting.DefaultTimeout();

        Assert.Equal(Enumerable.Range(101, 2_400).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(101, 2_400), events.Select(TestEvents.IndexOf));
    }

    [Fact]
    public async Task A_subscriber_that_stops_reading_delays_no_one_and_later_catches_up()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        using var stuckCts = new CancellationTokenSource(TestTimeout.Default);
        var stuck = inbox.Feed.SubscribeAsync(0, stuckCts.Token).GetAsyncEnumerator(stuckCts.Token);
        try
        {
            var first = stuck.MoveNextAsync().DefaultTimeout();
            await inbox.AcceptAsync(1);
            Assert.True(await first);
            Assert.Equal(1, stuck.Current.Seq);

            // Now it reads nothing while five buffers' worth of events go by.
            var count = InboxFeed.SubscriberBufferCapacity * 5;
            var other = inbox.Feed.SubscribeAsync(0).ReadItemsAsync(count + 1);
            var waiter = inbox.Feed.ReadAsync(count, null, 10, LongWait, CancellationToken.None);
            await inbox.AcceptAsync(count, firstIndex: 2);

            Assert.Equal(Enumerable.Range(1, count + 1).Select(i => (long)i), (await other.DefaultTimeout()).Select(e => e.Seq));
            Assert.Equal(count + 1, Assert.Single((await waiter.DefaultTimeout()).Events).Seq);
            Assert.Equal(count + 1, inbox.Store.GetStats().LastSeq);

            var rest = new List<long>();
            while (rest.Count < count && await stuck.MoveNextAsync().DefaultTimeout())
            {
                rest.Add(stuck.Current.Seq);
            }

            Assert.Equal(Enumerable.Range(2, count).Select(i => (long)i), rest);
            Assert.True(inbox.Status.SubscriberCatchUps >= 1);
        }
        finally
        {
            await stuck.DisposeAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task Many_subscribers_joining_at_any_time_each_get_every_event_once_in_order()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        const int total = 20_000;
        var accepting = Task.Run(() => inbox.AcceptAsync(total));

        var subscribers = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            var after = i * 1_000L;
            var seqs = new List<long>();
            using var cts = new CancellationTokenSource(TestTimeout.Default);
            await foreach (var e in inbox.Feed.SubscribeAsync(after, cts.Token))
            {
                seqs.Add(e.Seq);
                if (i % 3 == 0 && seqs.Count % 100 == 0)
                {
                    await Task.Delay(1); // some are slow enough to overflow their buffer
                }

                if (e.Seq == total)
                {
                    break;
                }
            }

            Assert.Equal(Enumerable.Range((int)after + 1, total - (int)after).Select(x => (long)x), seqs);
        })).ToArray();

        await accepting.DefaultTimeout();
        await Task.WhenAll(subscribers).DefaultTimeout();
    }

    [Fact]
    public async Task A_subscriber_outrun_by_retention_sees_a_gap_but_never_a_duplicate_or_reordering()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync(capacity: 1_500);
        using var cts = new CancellationTokenSource(TestTimeout.Default);
        var subscription = inbox.Feed.SubscribeAsync(0, cts.Token).GetAsyncEnumerator(cts.Token);
        var seqs = new List<long>();
        try
        {
            var first = subscription.MoveNextAsync().DefaultTimeout();
            await inbox.AcceptAsync(1);
            Assert.True(await first);
            seqs.Add(subscription.Current.Seq);

            await inbox.AcceptAsync(19_999, firstIndex: 2); // while it reads nothing
            await inbox.CommittedAsync(20_000);
            while (seqs[^1] < 20_000 && await subscription.MoveNextAsync().DefaultTimeout())
            {
                seqs.Add(subscription.Current.Seq);
            }
        }
        finally
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }

        // Its buffer kept 2..1025 for it; 1026..18500 were evicted before it came back.
        Assert.Equal(Enumerable.Range(1, 1_025).Concat(Enumerable.Range(18_501, 1_500)).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Subscriptions_are_counted_and_end_when_the_inbox_stops()
    {
        var inbox = await InboxHarness.StartMemoryAsync();
        var subscription = inbox.Feed.SubscribeAsync(0).GetAsyncEnumerator();
        try
        {
            var next = subscription.MoveNextAsync().DefaultTimeout();
            await inbox.AcceptAsync(1);
            Assert.True(await next);
            Assert.Equal(1, inbox.Status.Subscribers);

            await inbox.DisposeAsync();

            Assert.False(await subscription.MoveNextAsync().DefaultTimeout());
        }
        finally
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }

        Assert.Equal(0, inbox.Status.Subscribers);
    }

    [Fact]
    public async Task Stopping_ends_waiting_reads_with_nothing()
    {
        var inbox = await InboxHarness.StartMemoryAsync();
        var waiting = inbox.Feed.ReadAsync(0, null, 10, LongWait, CancellationToken.None);

        await inbox.DisposeAsync();

        Assert.Empty((await waiting.DefaultTimeout()).Events);
    }

    [Fact]
    public async Task Errors_from_nym_client_are_events_too()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();

        await inbox.Writer.AcceptAsync(new ErrorResponse(ErrorKind.MalformedRequest, "too short"), TestEvents.ReceivedAt, CancellationToken.None).DefaultTimeout();
        var read = await inbox.Feed.ReadAsync(0, null, 10, LongWait, CancellationToken.None).DefaultTimeout();

        var error = Assert.Single(read.Events);
        Assert.Equal((InboxEventType.Error, ErrorKind.MalformedRequest), (error.Type, error.ErrorKind));
        Assert.Equal("too short"u8.ToArray(), error.Payload.ToArray());
    }

    [Fact]
    public async Task Accept_waits_for_room_when_the_store_falls_behind_and_loses_nothing()
    {
        var gated = new GatedStore(new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory }));
        await using var inbox = await InboxHarness.StartAsync(gated);

        var accepted = 0;
        ValueTask blocked;
        while (true)
        {
            blocked = inbox.Writer.AcceptAsync(TestEvents.Response(accepted + 1), TestEvents.ReceivedAt, CancellationToken.None);
            if (!blocked.IsCompleted)
            {
                break;
            }

            accepted++;
            Assert.True(accepted <= InboxWriter.AcceptQueueCapacity + InboxWriter.MaxBatch, "AcceptAsync never pushed back");
        }

        Assert.InRange(accepted, InboxWriter.AcceptQueueCapacity, InboxWriter.AcceptQueueCapacity + InboxWriter.MaxBatch);
        gated.Open();
        await blocked.DefaultTimeout();
        await inbox.CommittedAsync(accepted + 1);

        var all = await inbox.Store.ReadAfterAsync(0, 100_000, CancellationToken.None).DefaultTimeout();
        Assert.Equal(Enumerable.Range(1, accepted + 1), all.Select(TestEvents.IndexOf));
    }

    [Fact]
    public async Task A_failing_store_is_retried_with_the_same_events()
    {
        var flaky = new FlakyStore(new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory }), failures: 2);
        await using var inbox = await InboxHarness.StartAsync(flaky);

        await inbox.AcceptAsync(50);
        await inbox.CommittedAsync(50);

        Assert.Equal(2, flaky.Failed);
        var all = await inbox.Store.ReadAfterAsync(0, 1_000, CancellationToken.None).DefaultTimeout();
        Assert.Equal(Enumerable.Range(1, 50), all.Select(TestEvents.IndexOf));
    }

    [Fact]
    public async Task Stopping_stores_everything_accepted_just_before()
    {
        using var directory = new TempDirectory();
        var options = new InboxOptions { Path = directory.File("inbox.db") };
        var inbox = await InboxHarness.StartAsync(new SqliteInboxStore(options, NullLogger<SqliteInboxStore>.Instance));
        await inbox.AcceptAsync(5_000);
        await inbox.DisposeAsync();

        var reopened = new SqliteInboxStore(options, NullLogger<SqliteInboxStore>.Instance);
        try
        {
            await reopened.InitializeAsync(CancellationToken.None).DefaultTimeout();
            Assert.Equal((5_000L, 5_000L), (reopened.GetStats().Count, reopened.GetStats().LastSeq));
            var tail = await reopened.ReadAfterAsync(4_990, 100, CancellationToken.None).DefaultTimeout();
            Assert.Equal(Enumerable.Range(4_991, 10), tail.Select(TestEvents.IndexOf));
        }
        finally
        {
            await reopened.DisposeAsync().DefaultTimeout();
        }
    }

    /// <summary>Holds every append until opened, like a store stuck on a slow disk.</summary>
    private sealed class GatedStore(IInboxStore inner) : DelegatingStore(inner)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public override async Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken)
        {
            await _open.Task.DefaultTimeout();
            return await base.AppendAsync(events, cancellationToken);
        }
    }

    /// <summary>Fails the first appends, like a locked or full disk.</summary>
    private sealed class FlakyStore(IInboxStore inner, int failures) : DelegatingStore(inner)
    {
        public int Failed { get; private set; }

        public override Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken)
        {
            if (Failed < failures)
            {
                Failed++;
                throw new IOException("disk full");
            }

            return base.AppendAsync(events, cancellationToken);
        }
    }

    private abstract class DelegatingStore(IInboxStore inner) : IInboxStore
    {
        public string Epoch => inner.Epoch;

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public virtual Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken) =>
            inner.AppendAsync(events, cancellationToken);

        public Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
            inner.ReadAfterAsync(afterSeq, max, cancellationToken);

        public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken) => inner.GetAsync(seq, cancellationToken);

        public Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken) => inner.TakeAsync(max, cancellationToken);

        public InboxStats GetStats() => inner.GetStats();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
