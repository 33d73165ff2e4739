using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Inbox;

namespace NymBridge.Tests.Inbox;

/// <summary>
/// A started <see cref="InboxWriter"/> and the <see cref="InboxFeed"/> it tells of its commits, over a given
/// store, wired as the bridge wires them; disposing stops the writer (within the test timeout).
/// </summary>
internal sealed class InboxHarness : IAsyncDisposable
{
    private InboxHarness(InboxWriter writer, InboxFeed feed, IInboxStore store)
    {
        Writer = writer;
        Feed = feed;
        Store = store;
    }

    public InboxWriter Writer { get; }

    public InboxFeed Feed { get; }

    public IInboxStore Store { get; }

    public InboxStatus Status => InboxStatus.From(Writer, Feed);

    /// <param name="time">The clock of waits and retries; a <c>FakeTimeProvider</c> makes them the test's to advance.</param>
    public static async Task<InboxHarness> StartAsync(IInboxStore store, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var feed = new InboxFeed(store, time, NullLogger<InboxFeed>.Instance);
        var writer = new InboxWriter(store, feed, time, NullLogger<InboxWriter>.Instance);
        await writer.StartingAsync(CancellationToken.None).DefaultTimeout();
        return new InboxHarness(writer, feed, store);
    }

    public static Task<InboxHarness> StartMemoryAsync(long capacity = 100_000, long maxBytes = 1L << 30, TimeProvider? time = null) =>
        StartAsync(new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory, Capacity = capacity, MaxBytes = maxBytes }), time);

    /// <summary>Accepts <paramref name="count"/> received messages whose payloads carry their index, starting at <paramref name="firstIndex"/>.</summary>
    public async Task AcceptAsync(int count, int firstIndex = 1, int size = 8)
    {
        for (var i = firstIndex; i < firstIndex + count; i++)
        {
            await Writer.AcceptAsync(TestEvents.Response(i, size), TestEvents.ReceivedAt, CancellationToken.None).DefaultTimeout();
        }
    }

    /// <summary>Waits, event-driven, until the event with this seq is committed.</summary>
    public async Task CommittedAsync(long seq)
    {
        while (Store.GetStats().LastSeq < seq)
        {
            await Feed.ReadAsync(seq - 1, null, 1, TimeSpan.FromSeconds(10), CancellationToken.None).DefaultTimeout();
        }
    }

    /// <summary>A queue read when <paramref name="afterSeq"/> is null, else a replay; the events only.</summary>
    public async Task<IReadOnlyList<InboxEvent>> WaitForEventsAsync(long? afterSeq, int max, TimeSpan wait, CancellationToken cancellationToken) =>
        (await Feed.ReadAsync(afterSeq, null, max, wait, cancellationToken)).Events;

    public async ValueTask DisposeAsync()
    {
        await Writer.StoppedAsync(CancellationToken.None).DefaultTimeout();
        Writer.Dispose();
    }
}
