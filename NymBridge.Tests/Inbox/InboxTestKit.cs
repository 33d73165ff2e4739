using System.Buffers.Binary;
using NymBridge.Api.Inbox;
using NymBridge.Protocol;

namespace NymBridge.Tests.Inbox;

/// <summary>Events whose payload starts with their index, so order and identity can be checked.</summary>
internal static class TestEvents
{
    public static readonly DateTimeOffset ReceivedAt = new(2026, 11, 27, 11, 0, 0, 123, TimeSpan.Zero);

    public static readonly SenderTag Tag = SenderTag.FromBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

    public static InboxEvent Received(int index, int size = 8, SenderTag? tag = null)
    {
        var payload = new byte[Math.Max(size, sizeof(int))];
        BinaryPrimitives.WriteInt32LittleEndian(payload, index);
        return new InboxEvent(0, InboxEventType.Received, ReceivedAt.AddTicks(index), payload, tag);
    }

    public static InboxEvent[] Many(int count, int size = 8, int firstIndex = 1) =>
        Enumerable.Range(firstIndex, count).Select(i => Received(i, size)).ToArray();

    public static ReceivedResponse Response(int index, int size = 8)
    {
        var payload = new byte[Math.Max(size, sizeof(int))];
        BinaryPrimitives.WriteInt32LittleEndian(payload, index);
        return new ReceivedResponse(payload);
    }

    public static int IndexOf(InboxEvent e) => BinaryPrimitives.ReadInt32LittleEndian(e.Payload.Span);
}

/// <summary>Reads from the inbox's subscriptions within the test timeout.</summary>
internal static class Within
{
    /// <summary>Reads exactly <paramref name="count"/> items, or fails when they do not come in time.</summary>
    public static async Task<List<T>> ReadItemsAsync<T>(this IAsyncEnumerable<T> source, int count)
    {
        using var cts = new CancellationTokenSource(TestTimeout.Default);
        var items = new List<T>(count);
        var enumerator = source.GetAsyncEnumerator(cts.Token);
        try
        {
            while (items.Count < count && await enumerator.MoveNextAsync().DefaultTimeout())
            {
                items.Add(enumerator.Current);
            }
        }
        finally
        {
            await enumerator.DisposeAsync().DefaultTimeout();
        }

        return items;
    }
}
