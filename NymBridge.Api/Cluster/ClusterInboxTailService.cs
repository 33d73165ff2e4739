using NymBridge.Api.Inbox;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// Runs this instance's <see cref="RedisInboxTail"/>, which drives the <see cref="InboxFeed"/>: commits in seq
/// order, and epoch changes, after which the feed ends its subscriptions and its readers are told <c>reset</c>.
/// </summary>
/// <remarks>
/// A Redis that is unreachable at start does not fail the start: the tail keeps trying every
/// <see cref="RedisInboxTail.DefaultTick"/> in the background. Readers that came meanwhile miss no event: the first
/// commit the tail then delivers is a gap to them, which they fill from the store.
/// </remarks>
internal sealed partial class ClusterInboxTailService : IHostedService, IInboxTailListener, IAsyncDisposable
{
    private readonly RedisInboxTail _tail;
    private readonly InboxFeed _feed;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterInboxTailService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retry;
    private int _stopped;

    public ClusterInboxTailService(
        IConnectionMultiplexer redis, RedisInboxStore store, InboxFeed feed, TimeProvider time, ILoggerFactory loggers)
    {
        _feed = feed;
        _time = time;
        _logger = loggers.CreateLogger<ClusterInboxTailService>();
        _tail = new RedisInboxTail(redis, store, feed, this, time, loggers.CreateLogger<RedisInboxTail>());
    }

    public RedisInboxTail Tail => _tail;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await TryStartAsync(cancellationToken))
        {
            return;
        }

        _retry = Task.Run(RetryAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_retry is { } retry)
        {
            await retry;
        }

        await _tail.DisposeAsync();
        _stopping.Dispose();
    }

    public void OnEpochChanged(string previousEpoch, string epoch, long lastSeq) => _feed.OnEpochChanged();

    // The tail logs it; subscribers fill the gap from the store and report it as truncated.
    public void OnGap(long lastDeliveredSeq, long firstSeq)
    {
    }

    private async Task<bool> TryStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _tail.StartAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or InboxUnavailableException)
        {
            // The message may name the server's address: only the type goes out.
            Log.StartDeferred(_logger, e.GetType().Name, RedisInboxTail.DefaultTick.TotalMilliseconds);
            return false;
        }
    }

    private async Task RetryAsync()
    {
        var token = _stopping.Token;
        try
        {
            do
            {
                await Task.Delay(RedisInboxTail.DefaultTick, _time, token);
            }
            while (!await TryStartAsync(token));
            Log.Started(_logger);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(15001, LogLevel.Warning, "Could not reach Redis to follow the inbox ({Error}); trying again every {TickMs} ms", EventName = "ClusterInboxTailDeferred")]
        public static partial void StartDeferred(ILogger logger, string error, double tickMs);

        [LoggerMessage(15002, LogLevel.Information, "Reached Redis: following the inbox", EventName = "ClusterInboxTailStarted")]
        public static partial void Started(ILogger logger);
    }
}
