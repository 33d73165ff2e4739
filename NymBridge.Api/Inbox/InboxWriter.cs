using System.Threading.Channels;
using NymBridge.Api.Hosting;
using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox's write path: takes every Received and Error frame from the nym-client reader, stores them in
/// batches, and tells the <see cref="IInboxCommitObserver"/> (the <see cref="InboxFeed"/>) about every commit.
/// </summary>
/// <remarks>
/// <para>
/// The reader's <see cref="AcceptAsync"/> only puts the event into a bounded channel; when the channel
/// is full it waits (backpressure: nym-client holds messages meanwhile) and never drops what it
/// accepted. One loop drains the channel, appends up to <see cref="MaxBatch"/> events in one store
/// call, then hands the committed events to the observer, which wakes readers and subscribers without
/// ever waiting on them.
/// </para>
/// <para>
/// No ordering rule between registrations: the store opens in the host's starting phase (before any
/// hosted service starts, so the epoch is known to all of them), and the flush runs in its stopped phase,
/// after every hosted service has stopped, the nym-client connection's reader included.
/// </para>
/// </remarks>
public sealed partial class InboxWriter : IInboundSink, IInboxCounters, IHostedLifecycleService, IDisposable
{
    /// <summary>Accepted events waiting to be stored before <see cref="AcceptAsync"/> waits.</summary>
    public const int AcceptQueueCapacity = 10_000;

    /// <summary>Most events appended (and committed) in one store call.</summary>
    public const int MaxBatch = 1_000;

    private static readonly TimeSpan RetryMinDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DroppedWarningInterval = TimeSpan.FromMinutes(1);

    private readonly IInboxStore _store;
    private readonly IInboxCommitObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxWriter> _logger;
    private readonly Channel<InboxEvent> _queue;
    private readonly CancellationTokenSource _giveUp = new();
    private readonly RunOnce _stop = new();

    private Task<int>? _loop;
    private long _accepted;
    private long _committed;
    private long _committedReceived;
    private long _committedErrors;
    private long _storeFailures;
    private volatile StoreError? _lastStoreError;
    private long _droppedSeen;
    private long? _droppedWarnedAt;

    public InboxWriter(IInboxStore store, IInboxCommitObserver observer, TimeProvider time, ILogger<InboxWriter> logger)
    {
        _store = store;
        _observer = observer;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<InboxEvent>(new BoundedChannelOptions(AcceptQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Events handed over by the nym-client reader since start.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Events durably appended since start.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>Accepted events waiting for the next batch commit.</summary>
    public int Pending => _queue.Reader.Count;

    /// <summary>Appends the store refused; each batch is retried, nothing is dropped.</summary>
    public long StoreFailures => Interlocked.Read(ref _storeFailures);

    /// <summary>The last append failure and when it happened, or null.</summary>
    public (string Error, DateTimeOffset At)? LastStoreError => _lastStoreError is { } e ? (e.Error, e.At) : null;

    public InboxStats Store => _store.GetStats();

    public long CommittedReceived => Interlocked.Read(ref _committedReceived);

    public long CommittedErrors => Interlocked.Read(ref _committedErrors);

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

    /// <summary>Opens the store (recovering seq, cursor and epoch) and starts the batch loop, before any hosted service starts.</summary>
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken);
        _loop = Task.Run(RunAsync, CancellationToken.None);
        Log.Started(_logger, _store.GetType().Name);
    }

    /// <summary>
    /// After every hosted service stopped (the nym-client reader has delivered its last event): stops accepting,
    /// stores everything already accepted, ends subscriptions and waiting reads, and closes the store. When
    /// <paramref name="cancellationToken"/> fires (the host's shutdown timeout) while the store keeps failing,
    /// the events still waiting are lost, and logged as such. A second call waits for the first.
    /// </summary>
    public Task StoppedAsync(CancellationToken cancellationToken) => _stop.RunAsync(() => StopOnceAsync(cancellationToken));

    private async Task StopOnceAsync(CancellationToken cancellationToken)
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
            _observer.OnClosed();
            await _store.DisposeAsync();
        }

        if (lost == 0)
        {
            Log.Stopped(_logger, Interlocked.Read(ref _accepted), _store.GetStats().LastSeq);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _giveUp.Dispose();

    private async ValueTask WaitForRoomAsync(InboxEvent inboxEvent, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(inboxEvent, cancellationToken);
        Interlocked.Increment(ref _accepted);
    }
}
