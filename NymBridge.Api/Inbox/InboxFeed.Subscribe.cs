using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace NymBridge.Api.Inbox;

public sealed partial class InboxFeed
{
    /// <summary>Committed events a subscriber may have waiting before it is switched to catching up from the store.</summary>
    public const int SubscriberBufferCapacity = 1_024;

    private const int CatchUpPage = 500;

    /// <summary>Reads a catch-up tries before its subscription ends with the store's error (the waits between: 250, 500 ms).</summary>
    internal const int CatchUpAttempts = 3;

    private static readonly TimeSpan CatchUpRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <remarks>
    /// <para>
    /// Gaps are never silent: seqs are consecutive, so an event whose seq is not the previous one's + 1
    /// (or, for the first, not <paramref name="afterSeq"/> + 1) means the events between were evicted by
    /// retention before this subscriber got to them. SSE and SignalR say so to their clients.
    /// </para>
    /// <para>
    /// A slow subscriber never holds anything up: each has its own buffer of
    /// <see cref="SubscriberBufferCapacity"/> events that every commit fills without waiting. When it
    /// overflows, live events for that subscriber are skipped and the subscriber reads them from the store
    /// instead (the inbox is a log, so nothing is lost unless retention evicts it first), then goes live again.
    /// </para>
    /// </remarks>
    public IAsyncEnumerable<InboxEvent> SubscribeAsync(long afterSeq, CancellationToken cancellationToken = default) =>
        // The epoch this subscription's seqs belong to, when it may change at run time: a catch-up read in another ends it.
        SubscribeInAsync(afterSeq, _epochReads is null ? null : _store.Epoch, cancellationToken);

    /// <remarks>
    /// A store with a fixed epoch (SQLite, memory) is checked once, here: the subscription is then the one above,
    /// no slower. A store whose epoch may change (Redis) is checked by every catch-up read, the first included,
    /// which comes before any event: so no event of another epoch is ever yielded, whatever changed in between.
    /// </remarks>
    public IAsyncEnumerable<InboxEvent> SubscribeAsync(long afterSeq, string epoch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        if (_epochReads is not null)
        {
            return SubscribeInAsync(afterSeq, epoch, cancellationToken);
        }

        return string.Equals(epoch, _store.Epoch, StringComparison.Ordinal)
            ? SubscribeInAsync(afterSeq, null, cancellationToken)
            : NoEventsAsync();
    }

    public ValueTask<string> ReadEpochAsync(CancellationToken cancellationToken) =>
        _epochReads is null ? ValueTask.FromResult(_store.Epoch) : ReadStoreEpochAsync(_epochReads, cancellationToken);

    private static async ValueTask<string> ReadStoreEpochAsync(IInboxEpochReads reads, CancellationToken cancellationToken) =>
        (await reads.ReadPageAsync(0, 0, cancellationToken)).Epoch;

    private static async IAsyncEnumerable<InboxEvent> NoEventsAsync()
    {
        await Task.CompletedTask;
        yield break;
    }

    /// <param name="epoch">Null: a store with a fixed epoch, never checked; else the epoch every catch-up read must find.</param>
    private async IAsyncEnumerable<InboxEvent> SubscribeInAsync(long afterSeq, string? epoch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        var subscriber = new Subscriber();
        AddSubscriber(subscriber);
        // Cancellation completes the buffer once, so the waits below need no token: a token per wait would
        // cost every wait an operation object and a registration (per delivery, across every subscriber).
        using var cancellation = cancellationToken.UnsafeRegister(static s => ((Subscriber)s!).Complete(), subscriber);
        try
        {
            var last = afterSeq;
            var catchingUp = true;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (catchingUp)
                {
                    // Cleared before reading the store: whatever commits after the read is in the buffer,
                    // or overflows it and sets the flag again.
                    subscriber.ClearOverflow();
                    var page = await CatchUpAsync(last, epoch, cancellationToken);
                    if (page is null)
                    {
                        yield break;
                    }

                    catchingUp = page.Count > 0;
                    foreach (var backlog in page)
                    {
                        yield return backlog;
                        last = backlog.Seq;
                    }

                    continue;
                }

                if (subscriber.Reader.TryRead(out var live))
                {
                    if (live.Seq <= last)
                    {
                        continue; // already delivered from the store
                    }

                    if (InboxSeq.IsGap(last, live.Seq))
                    {
                        catchingUp = true; // missed some while the buffer was full: the store has them
                        continue;
                    }

                    yield return live;
                    last = live.Seq;
                    continue;
                }

                if (subscriber.Overflowed)
                {
                    Interlocked.Increment(ref _subscriberCatchUps);
                    Log.SubscriberCatchingUp(_logger);
                    catchingUp = true;
                    continue;
                }

                if (!await subscriber.Reader.WaitToReadAsync(CancellationToken.None))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield break; // the inbox stopped
                }
            }
        }
        finally
        {
            _subscribers.TryRemove(subscriber, out _);
        }
    }

    private void AddSubscriber(Subscriber subscriber)
    {
        _subscribers.TryAdd(subscriber, 0);
        if (_closed || _releasing)
        {
            subscriber.Complete();
        }
    }

    private async Task<IReadOnlyList<InboxEvent>?> CatchUpAsync(long after, string? epoch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Also when the bridge begins to stop, before a retry too: a subscriber catching up resumes from its cursor
            // after the restart.
            if (_closed || _releasing)
            {
                return null;
            }

            try
            {
                return epoch is null
                    ? await _store.ReadAfterAsync(after, CatchUpPage, cancellationToken)
                    : await CatchUpInEpochAsync(after, epoch, cancellationToken);
            }
            catch (ObjectDisposedException) when (_closed)
            {
                return null;
            }
            catch (InboxUnavailableException) when (attempt < CatchUpAttempts && !cancellationToken.IsCancellationRequested)
            {
                // A store that misses one answer (Redis timing out while the machine is saturated) must not end every
                // subscription that happened to read then: each client would have to reconnect and replay, which
                // costs everyone more than waiting a moment. A store that stays unreachable still ends it.
                Log.CatchUpRetrying(_logger, attempt);
                await Task.Delay(CatchUpRetryDelay * attempt, _time, cancellationToken);
            }
        }
    }

    private void Publish(IReadOnlyList<InboxEvent> committed)
    {
        foreach (var (subscriber, _) in _subscribers)
        {
            subscriber.Offer(committed);
        }
    }

    // Never payloads or sender tags.
    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Debug, "A subscriber fell behind its buffer and is catching up from the store", EventName = "InboxSubscriberCatchingUp")]
        public static partial void SubscriberCatchingUp(ILogger logger);

        [LoggerMessage(7002, LogLevel.Debug, "A subscriber's catch-up read found the inbox store unavailable (attempt {Attempt}); trying again", EventName = "InboxSubscriberCatchUpRetrying")]
        public static partial void CatchUpRetrying(ILogger logger, int attempt);
    }

    private sealed class Subscriber
    {
        private readonly Channel<InboxEvent> _buffer = Channel.CreateBounded<InboxEvent>(new BoundedChannelOptions(SubscriberBufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // only ever TryWrite: a full buffer refuses, never blocks
        });

        private int _overflowed;

        public ChannelReader<InboxEvent> Reader => _buffer.Reader;

        public bool Overflowed => Volatile.Read(ref _overflowed) != 0;

        // Full fences on both sides (clear, then read the store; commit, then read the flag): either the
        // commit sees the flag cleared and buffers the batch, or the subscriber's store read sees it.
        public void ClearOverflow() => Interlocked.Exchange(ref _overflowed, 0);

        /// <summary>Called from <see cref="OnCommitted"/> only, one batch at a time (hence a single writer); never waits.</summary>
        public void Offer(IReadOnlyList<InboxEvent> committed)
        {
            if (Interlocked.CompareExchange(ref _overflowed, 0, 0) != 0)
            {
                return; // it will read these from the store
            }

            foreach (var e in committed)
            {
                if (!_buffer.Writer.TryWrite(e))
                {
                    Interlocked.Exchange(ref _overflowed, 1);
                    return;
                }
            }
        }

        public void Complete() => _buffer.Writer.TryComplete();
    }
}
