using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Inbox;

namespace NymBridge.Tests.Inbox;

/// <summary>A started <see cref="InboxService"/> over a given store; disposing stops it (within the test timeout).</summary>
internal sealed class InboxHarness : IAsyncDisposable
{
    private InboxHarness(InboxService service, IInboxStore store)
    {
        Service = service;
        Store = store;
    }

    public InboxService Service { get; }

    public IInboxStore Store { get; }

    /// <param name="time">The clock of waits and retries; a <c>FakeTimeProvider</c> makes them the test's to advance.</param>
    public static async Task<InboxHarness> StartAsync(IInboxStore store, TimeProvider? time = null)
    {
        var service = new InboxService(store, time ?? TimeProvider.System, NullLogger<InboxService>.Instance);
        await service.StartAsync(CancellationToken.None).DefaultTimeout();
        return new InboxHarness(service, store);
    }

    public static Task<InboxHarness> StartMemoryAsync(long capacity = 100_000, long maxBytes = 1L << 30, TimeProvider? time = null) =>
        StartAsync(new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory, Capacity = capacity, MaxBytes = maxBytes }), time);

    /// <summary>Accepts <paramref name="count"/> received messages whose payloads carry their index, starting at <paramref name="firstIndex"/>.</summary>
    public async Task AcceptAsync(int count, int firstIndex = 1, int size = 8)
    {
        for (var i = firstIndex; i < firstIndex + count; i++)
        {
            await Service.AcceptAsync(TestEvents.Response(i, size), TestEvents.ReceivedAt, CancellationToken.None).DefaultTimeout();
        }
    }

    /// <summary>Waits, event-driven, until the event with this seq is committed.</summary>
    public async Task CommittedAsync(long seq)
    {
        while (Store.GetStats().LastSeq < seq)
        {
            await Service.ReadAsync(seq - 1, null, 1, TimeSpan.FromSeconds(10), CancellationToken.None).DefaultTimeout();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None).DefaultTimeout();
        Service.Dispose();
    }
}
