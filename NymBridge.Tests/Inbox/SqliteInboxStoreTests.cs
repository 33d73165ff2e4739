using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Inbox;

namespace NymBridge.Tests.Inbox;

public sealed class SqliteInboxStoreTests : InboxStoreConformanceTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override IInboxStore Create(long capacity, long maxBytes) =>
        Create(_directory.File($"{Guid.NewGuid():N}.db"), capacity, maxBytes);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose(); // after the stores closed their files
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Reopening_the_file_restores_events_cursor_last_seq_epoch_and_counters()
    {
        var path = _directory.File("inbox.db");
        var first = await OpenAtAsync(path, capacity: 5);
        await first.AppendAsync(TestEvents.Many(8, size: 10), CancellationToken.None).DefaultTimeout(); // evicts 1..3, all dropped
        await first.TakeAsync(2, CancellationToken.None).DefaultTimeout(); // takes 4, 5
        var before = first.GetStats();
        var epoch = first.Epoch;
        await first.DisposeAsync().DefaultTimeout();

        var second = await OpenAtAsync(path, capacity: 5);

        Assert.Equal(epoch, second.Epoch);
        Assert.Equal(new InboxStats(Count: 5, Bytes: 50, FirstSeq: 4, LastSeq: 8, QueueCursor: 5, Dropped: 3, Evicted: 3), before);
        Assert.Equal(before, second.GetStats());
        Assert.Equal([6L, 7, 8], (await second.TakeAsync(10, CancellationToken.None).DefaultTimeout()).Events.Select(e => e.Seq));
        Assert.Equal([4, 5, 6, 7, 8], (await second.ReadAfterAsync(0, 10, CancellationToken.None).DefaultTimeout()).Select(TestEvents.IndexOf));
        AssertSame(TestEvents.Received(8, size: 10) with { Seq = 8 }, (await second.GetAsync(8, CancellationToken.None).DefaultTimeout())!);
    }

    [Fact]
    public async Task Seqs_are_never_reused_across_restarts_even_after_everything_was_evicted()
    {
        var path = _directory.File("inbox.db");
        var first = await OpenAtAsync(path, capacity: 2);
        await first.AppendAsync(TestEvents.Many(5), CancellationToken.None).DefaultTimeout();
        await first.DisposeAsync().DefaultTimeout();

        var second = await OpenAtAsync(path, capacity: 2);
        var appended = await second.AppendAsync(TestEvents.Many(1, firstIndex: 6), CancellationToken.None).DefaultTimeout();

        Assert.Equal(6, Assert.Single(appended).Seq);
        Assert.Equal((2L, 5L, 6L), (second.GetStats().Count, second.GetStats().FirstSeq, second.GetStats().LastSeq));
    }

    [Fact]
    public async Task A_fresh_file_gets_a_new_epoch_and_its_directory_is_created()
    {
        var store = await OpenAtAsync(_directory.File("a/b/inbox.db"));
        var other = await OpenAtAsync(_directory.File("c/inbox.db"));

        Assert.True(File.Exists(_directory.File("a/b/inbox.db")));
        Assert.NotEqual(store.Epoch, other.Epoch);
        Assert.Equal(32, store.Epoch.Length);
    }

    [Fact]
    public async Task Ten_thousand_events_append_in_one_call()
    {
        var store = await OpenAtAsync(_directory.File("inbox.db"), capacity: 100_000, maxBytes: 1L << 30);
        var events = TestEvents.Many(10_000, size: 1024);

        var appended = await store.AppendAsync(events, CancellationToken.None).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 10_000).Select(i => (long)i), appended.Select(e => e.Seq));
        Assert.Equal((10_000L, 10_000L * 1024), (store.GetStats().Count, store.GetStats().Bytes));
        var read = await store.ReadAfterAsync(9_000, 2_000, CancellationToken.None).DefaultTimeout();
        Assert.Equal(Enumerable.Range(9_001, 1_000), read.Select(TestEvents.IndexOf));
    }

    [Fact]
    public async Task Using_a_disposed_store_fails_clearly_and_disposing_twice_is_harmless()
    {
        var store = await OpenAtAsync(_directory.File("inbox.db"));
        await store.DisposeAsync().DefaultTimeout();
        await store.DisposeAsync().DefaultTimeout();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.TakeAsync(1, CancellationToken.None)).DefaultTimeout();
    }

    private async Task<IInboxStore> OpenAtAsync(string path, long capacity = 1_000, long maxBytes = 1 << 20)
    {
        var store = Create(path, capacity, maxBytes);
        Track(store);
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        return store;
    }

    private static SqliteInboxStore Create(string path, long capacity, long maxBytes) =>
        new(new InboxOptions { Path = path, Capacity = capacity, MaxBytes = maxBytes }, NullLogger<SqliteInboxStore>.Instance);
}
