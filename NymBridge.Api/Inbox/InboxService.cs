using System.Collections.Concurrent;
using System.Threading.Channels;
using NymBridge.Api.Nym;
using NymBridge.Api.Shutdown;
using NymBridge.Protocol;

namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox: takes every Received and Error frame from the nym-client reader, stores them in batches,
/// and serves them to long-poll readers and subscribers. Split by concern: this file the lifecycle and
/// the write path, <c>.Read</c> the long-poll reads, <c>.Subscribe</c> the fan-out.
/// </summary>
/// <remarks>
/// The reader's <see cref="AcceptAsync"/> only puts the event into a bounded channel; when the channel
/// is full it waits (backpressure: nym-client holds messages meanwhile) and never drops what it
/// accepted. One loop drains the channel, appends up to <see cref="MaxBatch"/> events in one store
/// call, then wakes every waiting reader and hands the committed events to subscribers without ever
/// waiting on them. Named InboxService, not Inbox: a type named like its namespace cannot be used by
/// its simple name from sibling namespaces (CS0118).
/// </remarks>
public sealed partial class InboxService : IInboundSink, IHostedService, IShutdownParticipant, IDisposable
{
    /// <summary>Accepted events waiting to be stored before <see cref="AcceptAsync"/> waits.</summary>
    public const int AcceptQueueCapacity = 10_000;

    /// <summary>Most events appended (and committed) in one store call.</summary>
    public const int MaxBatch = 1_000;

    private static readonly TimeSpan RetryMinDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DroppedWarningInterval = TimeSpan.FromMinutes(1);

    private readonly IInboxStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxService> _logger;
    private readonly Channel<InboxEvent> _queue;
    private readonly CancellationTokenSource _giveUp = new();

    // Completed and replaced after every commit: readers take it before reading, so none misses a wake-up.
    private TaskCompletionSource _committedSignal = NewSignal();
    // Not an immutable array: with thousands of SignalR connections, copying it on every connect and
    // disconnect made connecting quadratic (5,000 connections: about 100 MB of discarded arrays).
    private readonly ConcurrentDictionary<Subscriber, byte> _subscribers = new();
    private Task<int>? _loop;
    private volatile bool _closed;
    private volatile bool _releasing;
    private long _accepted;
    private long _committed;
    private long _committedReceived;
    private long _committedErrors;
    private long _subscriberCatchUps;
    private long _storeFailures;
    private volatile StoreError? _lastStoreError;
    private long _droppedSeen;
    private long? _droppedWarnedAt;

    public InboxService(IInboxStore store, TimeProvider time, ILogger<InboxService> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<InboxEvent>(new BoundedChannelOptions(AcceptQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The store's epoch (valid once started).</summary>
    public string Epoch => _store.Epoch;

    /// <summary>Turns a Received or Error frame into an event and queues it for storing.</summary>
    /// <remarks>Completes at once unless <see cref="AcceptQueueCapacity"/> events are already waiting; then it waits for room.</remarks>
    /// <exception cref="ChannelClosedException">The inbox is stopping.</exception>
    public ValueTask AcceptAsync(ServerResponse message, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var inboxEvent = InboxEvent.FromResponse(message, receivedAt);
        if (_queue.Writer.TryWrite(inboxEvent))
        {
            Interlocked.Increment(ref _accepted);
            return ValueTask.CompletedTask;
        }

        return WaitForRoomAsync(inboxEvent, cancellationToken);
    }

    public InboxStatus GetStatus() => new(
        _store.Epoch,
        _store.GetStats(),
        Interlocked.Read(ref _accepted),
        Interlocked.Read(ref _committed),
        _queue.Reader.Count,
        _subscribers.Count,
        Interlocked.Read(ref _subscriberCatchUps),
        Interlocked.Read(ref _storeFailures),
        _lastStoreError?.Error,
        _lastStoreError?.At);

    /// <summary>Received events stored since start (read by the metrics).</summary>
    public long CommittedReceived => Interlocked.Read(ref _committedReceived);

    /// <summary>Error events stored since start (read by the metrics).</summary>
    public long CommittedErrors => Interlocked.Read(ref _committedErrors);

    /// <summary>Opens the store (recovering seq, cursor and epoch) and starts the batch loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken);
        _loop = Task.Run(RunAsync, CancellationToken.None);
        Log.Started(_logger, _store.GetType().Name);
    }

    /// <summary>
    /// Stops accepting, stores everything already accepted, ends subscriptions and waiting reads, and
    /// closes the store. Register the inbox before the nym-client connection, so that the host stops
    /// the reader first. When <paramref name="cancellationToken"/> fires (the host's shutdown timeout)
    /// while the store keeps failing, the events still waiting are lost, and logged as such.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        var lost = 0;
        try
        {
            if (_loop is { } loop)
            {
                using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _giveUp))
                {
                    lost = await loop;
                }
            }
        }
        finally
        {
            _closed = true;
            foreach (var (subscriber, _) in _subscribers)
            {
                subscriber.Complete();
            }

            Wake();
            await _store.DisposeAsync();
        }

        if (lost == 0)
        {
            Log.Stopped(_logger, Interlocked.Read(ref _accepted), _store.GetStats().LastSeq);
        }
    }

    /// <summary>
    /// The bridge begins to stop: waiting reads return what they have at once, and subscriptions (SSE, SignalR)
    /// end after what their buffers hold, so none of them holds up the server's drain. Events go on being
    /// accepted and stored until <see cref="StopAsync"/>: the nym-client reader still delivers what was pushed.
    /// </summary>
    public void OnShutdownStarted()
    {
        _releasing = true;
        foreach (var (subscriber, _) in _subscribers)
        {
            subscriber.Complete();
        }

        Wake();
    }

    public void Dispose() => _giveUp.Dispose();

    private async ValueTask WaitForRoomAsync(InboxEvent inboxEvent, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(inboxEvent, cancellationToken);
        Interlocked.Increment(ref _accepted);
    }

    /// <summary>The single writer: batch, append, wake, publish; on a store failure retry the same batch.</summary>
    /// <returns>How many accepted events were given up on (0 unless the store failed until the host's shutdown timeout).</returns>
    private async Task<int> RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<InboxEvent>(MaxBatch);
        var delay = RetryMinDelay;
        while (batch.Count > 0 || await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            IReadOnlyList<InboxEvent> committed;
            try
            {
                committed = await _store.AppendAsync(batch, CancellationToken.None);
            }
#pragma warning disable CA1031 // Whatever the store throws (disk full, locked file), the accepted events must not be lost: retry.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.AppendFailed(_logger, batch.Count, delay.TotalMilliseconds, e);
                Interlocked.Increment(ref _storeFailures);
                _lastStoreError = new StoreError($"{e.GetType().Name}: {e.Message}", _time.GetUtcNow());
                if (!await DelayAsync(delay))
                {
                    var lost = batch.Count + reader.Count;
                    Log.Lost(_logger, lost);
                    return lost;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryMaxDelay.Ticks));
                continue;
            }

            delay = RetryMinDelay;
            batch.Clear();
            OnCommitted(committed);
        }

        return 0;
    }

    private void OnCommitted(IReadOnlyList<InboxEvent> committed)
    {
        Interlocked.Add(ref _committed, committed.Count);
        // Counted per batch here, off the reader's path; two totals rather than one derived from the other,
        // so that each stays monotonic for whoever reads them between the two adds.
        var errors = 0;
        foreach (var e in committed)
        {
            if (e.Type == InboxEventType.Error)
            {
                errors++;
            }
        }

        Interlocked.Add(ref _committedReceived, committed.Count - errors);
        Interlocked.Add(ref _committedErrors, errors);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            long bytes = 0;
            foreach (var e in committed)
            {
                bytes += e.Payload.Length;
            }

            Log.Committed(_logger, committed.Count, bytes);
        }

        WarnIfDropping();
        Wake();
        Publish(committed);
    }

    private void WarnIfDropping()
    {
        var dropped = _store.GetStats().Dropped;
        if (dropped <= _droppedSeen)
        {
            return;
        }

        _droppedSeen = dropped;
        var now = _time.GetTimestamp();
        if (_droppedWarnedAt is not { } last || _time.GetElapsedTime(last, now) >= DroppedWarningInterval)
        {
            _droppedWarnedAt = now;
            Log.Dropping(_logger);
        }
    }

    private void Wake() => Interlocked.Exchange(ref _committedSignal, NewSignal()).TrySetResult();

    private sealed record StoreError(string Error, DateTimeOffset At);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<bool> DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _giveUp.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
