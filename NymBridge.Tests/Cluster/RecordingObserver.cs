using NymBridge.Tests.Common;
using System.Threading.Channels;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;

namespace NymBridge.Tests.Cluster;

/// <summary>What a tail tells the fan-out, in the order it said it.</summary>
internal sealed class RecordingObserver : IInboxCommitObserver, IInboxTailListener
{
    private readonly Channel<object> _calls = Channel.CreateUnbounded<object>();

    public void OnCommitted(IReadOnlyList<InboxEvent> committed) => _calls.Writer.TryWrite(committed.ToArray());

    public void OnClosed() => _calls.Writer.TryWrite(Closed.Instance);

    public void OnEpochChanged(string previousEpoch, string epoch, long lastSeq) => _calls.Writer.TryWrite(new EpochChange(previousEpoch, epoch, lastSeq));

    public void OnGap(long lastDeliveredSeq, long firstSeq) => _calls.Writer.TryWrite(new Gap(lastDeliveredSeq, firstSeq));

    /// <summary>The next call, or a failure when none comes within the test timeout.</summary>
    public async Task<object> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeout.Default);
        return await _calls.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Committed events until <paramref name="count"/> have come (failing on anything else).</summary>
    public async Task<List<InboxEvent>> EventsAsync(int count)
    {
        var events = new List<InboxEvent>();
        while (events.Count < count)
        {
            events.AddRange(Assert.IsType<InboxEvent[]>(await NextAsync()));
        }

        return events;
    }

    public bool TryNext(out object? call) => _calls.Reader.TryRead(out call);

    public sealed record EpochChange(string Previous, string Epoch, long LastSeq);

    public sealed record Gap(long LastDelivered, long First);

    public sealed class Closed
    {
        public static readonly Closed Instance = new();
    }
}
