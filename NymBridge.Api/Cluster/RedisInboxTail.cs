using System.Threading.Channels;
using NymBridge.Api.Inbox;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// One per instance: follows the Redis inbox and hands every batch appended (by whichever instance leads) to
/// this instance's fan-out, in seq order, through <see cref="IInboxCommitObserver"/>.
/// </summary>
/// <remarks>
/// <para>
/// StackExchange.Redis multiplexes one connection, so a blocking XREAD is not allowed on it. Instead the append
/// script PUBLISHes its last seq; the notification only wakes the tail, which then reads with the non-blocking
/// replay script from its last seq, page by page, until it has everything. Pub/sub is at most once (a
/// notification sent while the subscription reconnects is gone), so the tail also reads on a tick (1 s by
/// default): a lost notification costs at most one tick of latency, never an event, since the stream is the
/// truth and the notification carries nothing the tail relies on.
/// </para>
/// <para>Epoch changes and gaps: see <see cref="IInboxTailListener"/>.</para>
/// </remarks>
public sealed partial class RedisInboxTail : IAsyncDisposable
{
    /// <summary>Most events read (and delivered as one batch) per round trip.</summary>
    public const int PageSize = 1_000;

    public static readonly TimeSpan DefaultTick = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisInboxStore _store;
    private readonly IInboxCommitObserver _observer;
    private readonly IInboxTailListener _listener;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisInboxTail> _logger;
    private readonly TimeSpan _tick;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, // one pending wake-up stands for any number
        SingleReader = true,
    });

    private readonly CancellationTokenSource _stop = new();
    private ChannelMessageQueue? _subscription;
    private Task? _loop;
    private string _epoch = string.Empty;
    private long _last;
    private long _gaps;
    private long _epochChanges;

    public RedisInboxTail(
        IConnectionMultiplexer redis,
        RedisInboxStore store,
        IInboxCommitObserver observer,
        IInboxTailListener listener,
        TimeProvider time,
        ILogger<RedisInboxTail> logger,
        TimeSpan? tick = null)
    {
        _redis = redis;
        _store = store;
        _observer = observer;
        _listener = listener;
        _time = time;
        _logger = logger;
        _tick = tick ?? DefaultTick;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_tick, TimeSpan.Zero, nameof(tick));
    }

    /// <summary>The last seq delivered (or jumped to at an epoch change).</summary>
    public long LastSeq => Interlocked.Read(ref _last);

    public long Gaps => Interlocked.Read(ref _gaps);

    public long EpochChanges => Interlocked.Read(ref _epochChanges);

    /// <summary>
    /// Subscribes, then starts after the log's current last seq: what is already there a new reader gets from
    /// the store, so only what is appended from now on is a commit for the fan-out.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribed before the starting point is read, so no append falls between the two unnoticed. Once only:
        // a start that failed on the read (Redis unreachable) is tried again.
        if (_subscription is null)
        {
            _subscription = await _redis.GetSubscriber().SubscribeAsync(_store.Keys.NotificationChannel);
            _subscription.OnMessage(_ => Wake());
            _redis.ConnectionRestored += OnConnectionRestored;
        }

        var page = await _store.ReadPageAsync(0, 0, cancellationToken);
        _epoch = page.Epoch;
        Interlocked.Exchange(ref _last, page.Stats.LastSeq);
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Stops following and tells the observer the log is closed (ends its waits and subscriptions).</summary>
    public async ValueTask DisposeAsync()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        await _stop.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }

        if (_subscription is { } subscription)
        {
            try
            {
                await subscription.UnsubscribeAsync();
            }
            catch (ObjectDisposedException)
            {
                // The shared connection went first (a host stopped twice, after its container was disposed):
                // its subscriptions ended with it.
            }
        }

        _stop.Dispose();
        _observer.OnClosed();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Wake();

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task RunAsync()
    {
        // Waits first: StartAsync has just read the starting point, and anything appended since has notified.
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _wake.Reader.WaitToReadAsync(token).AsTask().WaitAsync(_tick, _time, token);
            }
            catch (TimeoutException)
            {
                // the tick: read anyway
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _wake.Reader.TryRead(out _);
            try
            {
                await DrainAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Redis unreachable, a timeout, a script error: keep following, the next tick tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ReadFailed(_logger, _tick.TotalMilliseconds, e);
            }
        }
    }

    /// <summary>Reads and delivers pages until the tail has everything the log had when the last page was read.</summary>
    private async Task DrainAsync(CancellationToken token)
    {
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var page = await _store.ReadPageAsync(last, PageSize, token);
            if (!string.Equals(page.Epoch, _epoch, StringComparison.Ordinal))
            {
                var previous = _epoch;
                _epoch = page.Epoch;
                Interlocked.Exchange(ref _last, page.Stats.LastSeq);
                Interlocked.Increment(ref _epochChanges);
                Log.EpochChanged(_logger);
                _listener.OnEpochChanged(previous, page.Epoch, page.Stats.LastSeq);
                continue;
            }

            var events = page.Events;
            if (events.Count == 0)
            {
                return;
            }

            if (events[0].Seq > last + 1)
            {
                Interlocked.Increment(ref _gaps);
                Log.Gap(_logger, last + 1, events[0].Seq - 1);
                _listener.OnGap(last, events[0].Seq);
            }

            _observer.OnCommitted(events);
            Interlocked.Exchange(ref _last, events[^1].Seq);
            if (events.Count < PageSize)
            {
                return;
            }
        }
    }

    // Seqs and counts only: never payloads, sender tags or epochs.
    private static partial class Log
    {
        [LoggerMessage(9001, LogLevel.Warning, "The Redis inbox began a new epoch (Redis restarted, failed over or lost the inbox keys, so writes may be lost); readers are told to reset", EventName = "ClusterInboxNewEpoch")]
        public static partial void EpochChanged(ILogger logger);

        [LoggerMessage(9002, LogLevel.Warning, "This instance fell behind the Redis inbox's retention: events {From} to {To} were evicted before it read them; its readers are told the feed was truncated", EventName = "ClusterInboxFellBehind")]
        public static partial void Gap(ILogger logger, long from, long to);

        [LoggerMessage(9003, LogLevel.Warning, "Could not read the Redis inbox; trying again within {TickMs} ms", EventName = "ClusterInboxReadFailed")]
        public static partial void ReadFailed(ILogger logger, double tickMs, Exception exception);
    }
}
