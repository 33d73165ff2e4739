using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Common;

namespace NymBridge.Tests.Inbox;

/// <summary>
/// A store whose epoch changes at run time (cluster mode's Redis): the feed labels every answer with the epoch of
/// the very read that returned its events, never with one it looked up before or after.
/// </summary>
public sealed class InboxFeedEpochTests
{
    [Fact]
    public async Task A_replay_compares_the_callers_epoch_with_the_reads_own_not_the_cached_one()
    {
        var store = new ShiftingEpochStore();
        await store.InitializeAsync(CancellationToken.None);
        await store.AppendAsync(TestEvents.Many(3), CancellationToken.None);
        var feed = new InboxFeed(store, TimeProvider.System, NullLogger<InboxFeed>.Instance);
        store.ReadEpoch = "new"; // the log moved on; the store's cached Epoch still says "old"

        var read = await feed.ReadAsync(2, "old", 10, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();

        Assert.True(read.Reset);
        Assert.Equal("new", read.Epoch);
        Assert.Equal([1L, 2, 3], read.Events.Select(e => e.Seq));
        Assert.Equal("old", store.Epoch);
    }

    [Fact]
    public async Task A_waiting_replay_woken_by_an_epoch_change_says_reset()
    {
        var store = new ShiftingEpochStore();
        await store.InitializeAsync(CancellationToken.None);
        await store.AppendAsync(TestEvents.Many(3), CancellationToken.None);
        var feed = new InboxFeed(store, TimeProvider.System, NullLogger<InboxFeed>.Instance);
        var waiting = feed.ReadAsync(3, "old", 10, TestTimeout.Default, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        store.ReadEpoch = "new";
        feed.OnEpochChanged();

        var read = await waiting.DefaultTimeout();
        Assert.True(read.Reset);
        Assert.Equal("new", read.Epoch);
    }

    [Fact]
    public async Task An_epoch_change_ends_subscriptions_and_later_ones_run_in_the_new_epoch()
    {
        var store = new ShiftingEpochStore();
        await store.InitializeAsync(CancellationToken.None);
        var feed = new InboxFeed(store, TimeProvider.System, NullLogger<InboxFeed>.Instance);
        await using var before = feed.SubscribeAsync(0).GetAsyncEnumerator();
        var first = before.MoveNextAsync().AsTask();
        await Eventually.WaitUntilAsync(() => feed.Subscribers == 1, "the subscription started");

        store.ReadEpoch = store.CachedEpoch = "new"; // as the tail's read that found the change leaves it
        feed.OnEpochChanged();

        Assert.False(await first.DefaultTimeout());
        await store.AppendAsync(TestEvents.Many(2), CancellationToken.None);
        Assert.Equal([1L, 2], (await feed.SubscribeAsync(0).ReadItemsAsync(2)).Select(e => e.Seq));
    }

    [Fact]
    public async Task A_queue_read_is_labelled_with_the_epoch_it_took_in()
    {
        var store = new ShiftingEpochStore();
        await store.InitializeAsync(CancellationToken.None);
        await store.AppendAsync(TestEvents.Many(2), CancellationToken.None);
        var feed = new InboxFeed(store, TimeProvider.System, NullLogger<InboxFeed>.Instance);
        store.ReadEpoch = "new";

        var read = await feed.ReadAsync(null, "old", 10, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();

        Assert.Equal("new", read.Epoch);
        Assert.False(read.Reset);
        Assert.Equal([1L, 2], read.Events.Select(e => e.Seq));
    }

    [Fact]
    public async Task A_subscription_held_to_an_epoch_yields_nothing_once_the_store_has_left_it_even_when_the_cache_moved_on_in_between()
    {
        var store = new ShiftingEpochStore();
        await store.InitializeAsync(CancellationToken.None);
        await store.AppendAsync(TestEvents.Many(3), CancellationToken.None);
        var feed = new InboxFeed(store, TimeProvider.System, NullLogger<InboxFeed>.Instance);
        var labelled = await feed.ReadEpochAsync(CancellationToken.None); // what SSE's ready says
        store.ReadEpoch = store.CachedEpoch = "new"; // the log moves on before the subscription starts

        await using var held = feed.SubscribeAsync(0, labelled).GetAsyncEnumerator();

        Assert.Equal("old", labelled);
        Assert.False(await held.MoveNextAsync().AsTask().DefaultTimeout()); // no event of "new" under the label "old"
        Assert.Equal("new", await feed.ReadEpochAsync(CancellationToken.None)); // read from the store, not the cache
        Assert.Equal([1L, 2, 3], (await feed.SubscribeAsync(0, "new").ReadItemsAsync(3)).Select(e => e.Seq));
    }

    [Fact]
    public async Task With_a_fixed_epoch_the_epoch_is_answered_without_a_read_and_a_subscription_in_another_ends_at_once()
    {
        await using var store = new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory });
        await store.InitializeAsync(CancellationToken.None);
        await store.AppendAsync(TestEvents.Many(2), CancellationToken.None);
        var feed = new InboxFeed(store, TimeProvider.System, NullLogger<InboxFeed>.Instance);

        var epoch = feed.ReadEpochAsync(CancellationToken.None);

        Assert.True(epoch.IsCompletedSuccessfully); // single mode: no store read, no await
        Assert.Equal(store.Epoch, await epoch);
        await using var other = feed.SubscribeAsync(0, "another").GetAsyncEnumerator();
        Assert.False(await other.MoveNextAsync().AsTask().DefaultTimeout());
        Assert.Equal([1L, 2], (await feed.SubscribeAsync(0, store.Epoch).ReadItemsAsync(2)).Select(e => e.Seq));
    }

    /// <summary>A memory store whose reads report <see cref="ReadEpoch"/>, while its cached <see cref="Epoch"/> stays "old".</summary>
    private sealed class ShiftingEpochStore : IInboxStore, IInboxEpochReads
    {
        private readonly MemoryInboxStore _inner = new(new InboxOptions { Store = InboxStoreKind.Memory });

        public string ReadEpoch { get; set; } = "old";

        /// <summary>What <see cref="Epoch"/> says; Redis's store caches the epoch of its latest read.</summary>
        public string CachedEpoch { get; set; } = "old";

        public string Epoch => CachedEpoch;

        public Task InitializeAsync(CancellationToken cancellationToken) => _inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken) => _inner.AppendAsync(events, cancellationToken);

        public Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The feed must read through IInboxEpochReads.");

        public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken) => _inner.GetAsync(seq, cancellationToken);

        public Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The feed must take through IInboxEpochReads.");

        public InboxStats GetStats() => _inner.GetStats();

        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        public async Task<InboxPage> ReadPageAsync(long afterSeq, int max, CancellationToken cancellationToken)
        {
            var epoch = ReadEpoch;
            var events = max == 0 ? [] : await _inner.ReadAfterAsync(afterSeq, max, cancellationToken);
            return new InboxPage(epoch, events, _inner.GetStats());
        }

        public async Task<InboxEpochTake> TakeInEpochAsync(int max, CancellationToken cancellationToken)
        {
            var epoch = ReadEpoch;
            return new InboxEpochTake(epoch, await _inner.TakeAsync(max, cancellationToken));
        }
    }
}
