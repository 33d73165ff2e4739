using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using NymBridge.Api.Hosting;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// One configured endpoint at run time: follows the inbox from its cursor, delivers up to
/// <c>Concurrency</c> events at a time (started in seq order), retries on the schedule, and keeps its
/// state in the <see cref="IWebhookStateStore"/>. Split by concern: this file the loop, <c>.Admit</c>
/// what may start when, <c>.Commit</c> the group commit of state changes, <c>.Deliver</c> one attempt and its
/// outcome, <c>.Manage</c> what the management API reads and changes.
/// </summary>
/// <remarks>
/// <para>
/// At least once: an event's admission (cursor past it, a delivery row due now) is committed in one
/// transaction with the others of its batch, and its row goes only when its outcome commits; its slot is
/// held until then. A crash leaves due the rows of events admitted and not yet recorded (and admits again an
/// event whose admission had not committed), so a restart sends again only what was in flight — at most
/// <c>Concurrency</c> events —, with the same webhook-id.
/// </para>
/// <para>
/// No polling: the loop sleeps on one signal, set by the inbox subscription (woken by the inbox commit),
/// by finished deliveries and by the management API, with a timeout from the <see cref="TimeProvider"/>
/// until the next retry is due. A retry waiting for its time holds no slot: later events go on.
/// </para>
/// </remarks>
public sealed partial class WebhookEndpoint : IAsyncDisposable
{
    /// <summary>Most new events admitted in one transaction.</summary>
    public const int AdmitBatch = 256;

    private readonly WebhookEndpointOptions _options;
    private readonly Uri _url;
    private readonly WebhookSignature _signature;
    private readonly IInboxFeed _inbox;
    private readonly IInboxCounters _counters;
    private readonly IWebhookStateStore _store;
    private readonly WebhookSender _sender;
    private readonly WebhookReplier _replier;
    private readonly WebhookMetrics _metrics;
    private readonly JsonSerializerOptions _json; // the HTTP API's: data is escaped as GET /messages escapes it
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private readonly Lock _lock = new();
    private readonly Lock _commitLock = new();
    private readonly SortedDictionary<long, WebhookDelivery> _deliveries = [];
    // Events admitted and not started yet, kept so their first attempt needs no store read.
    private readonly Dictionary<long, InboxEvent> _admitted = [];
    private readonly HashSet<long> _inFlight = [];
    private readonly ConcurrentDictionary<Task, byte> _running = new(); // deliveries, each until its outcome commits
    private readonly Channel<InboxEvent> _incoming;
    private readonly CancellationTokenSource _stopping = new();
    private readonly RunOnce _stop = new();
    private TaskCompletionSource _signal = NewSignal();
    private List<WebhookStateChange> _toCommit = [];
    private TaskCompletionSource _nextCommit = NewSignal();
    private bool _committing;
    private Exception? _commitsAbandoned; // set at a stop while the store failed: nothing commits after it
    private WebhookError? _stateError; // why the last commit failed, until one succeeds
    private TaskCompletionSource _saveFailed = NewSignal(); // set at each failed save, then replaced
    private WebhookEndpointRow _row = null!;
    // Rows up to this seq are committed. A later one is in memory while its admission commits, and must not start
    // before it: a delivery finishing meanwhile would otherwise take it (and a failing store would not hold it back).
    private long _admittedThrough;
    private long _lastAttemptId;
    private Task? _loop;
    private Task? _reader;

    public WebhookEndpoint(
        string name, WebhookEndpointOptions options, byte[] key, WebhookInbox inbox, IWebhookStateStore store, WebhookSender sender,
        WebhookReplier replier, WebhookMetrics metrics, JsonSerializerOptions json, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        StoreKey = name.ToLowerInvariant();
        _options = options;
        _url = new Uri(options.Url!, UriKind.Absolute);
        _signature = new WebhookSignature(key);
        ArgumentNullException.ThrowIfNull(inbox);
        _inbox = inbox.Feed;
        _counters = inbox.Counters;
        _store = store;
        _sender = sender;
        _replier = replier;
        _metrics = metrics;
        _json = json;
        _time = time;
        _logger = logger;
        // Only a lookahead: the subscription behind it catches up from the store when this is full.
        _incoming = Channel.CreateBounded<InboxEvent>(new BoundedChannelOptions(Math.Max(options.Concurrency, AdmitBatch)) { SingleReader = true, SingleWriter = true });
    }

    public string Name { get; }

    /// <summary>Names are case-insensitive (as configuration keys are): the store keys them in lower case.</summary>
    private string StoreKey { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var saved = await _store.LoadAsync(StoreKey, cancellationToken);
        if (saved is null)
        {
            var stats = _counters.Store;
            var cursor = _options.StartFrom.Equals(WebhookEndpointOptions.StartFromOldest, StringComparison.OrdinalIgnoreCase)
                ? InboxSeq.BeforeOldest(stats)
                : stats.LastSeq;
            _row = new WebhookEndpointRow(StoreKey, cursor, true, null, 0, 0, 0, 0, 0, null, null);
            await _store.SaveAsync([new WebhookStateChange(_row)], cancellationToken);
        }
        else
        {
            _row = saved.Endpoint;
            _lastAttemptId = saved.LastAttemptId;
            foreach (var delivery in saved.Deliveries)
            {
                _deliveries[delivery.Seq] = delivery;
            }
        }

        _admittedThrough = _row.Cursor;
        Log.Started(_logger, Name, _row.Cursor, _deliveries.Count);
        var cursorAtStart = _row.Cursor;
        _reader = Task.Run(() => ReadInboxAsync(cursorAtStart, _stopping.Token), CancellationToken.None);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// Stops starting deliveries and abandons those in flight: their rows stay due, so the next start sends them
    /// again. Outcomes already decided are committed first. Every call waits for the same stop.
    /// </summary>
    public Task StopAsync() => _stop.RunAsync(StopOnceAsync);

    private async Task StopOnceAsync()
    {
        await _stopping.CancelAsync();
        Kick();
        Task[] followers = [_loop ?? Task.CompletedTask, _reader ?? Task.CompletedTask];
        await Task.WhenAll(followers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // The loop launches nothing more now; a delivery it launched as the stop began is tracked all the same.
        while (!_running.IsEmpty)
        {
            await Task.WhenAll(_running.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        _signature.Dispose();
    }

    private async Task ReadInboxAsync(long after, CancellationToken stopping)
    {
        try
        {
            await foreach (var e in _inbox.SubscribeAsync(after, stopping))
            {
                await _incoming.Writer.WriteAsync(e, stopping);
                // Only the first of a run wakes the loop: it drains what is there, and returns only on an empty
                // channel (the next write is a first again) or on full slots (a finished delivery wakes it).
                if (_incoming.Reader.Count <= 1)
                {
                    Kick();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            // Taken before looking: whatever happens after this point sets it, so no wake-up falls between.
            var signal = Volatile.Read(ref _signal).Task;
            try
            {
                await StartDueAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Reading the inbox failed (disk, locked file): keep the endpoint alive and try again shortly.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.StateFailed(_logger, Name, e);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            var wait = NextDueIn();
            var woken = wait is { } timeout ? signal.WaitAsync(timeout, _time, stopping) : signal.WaitAsync(stopping);
            await woken.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Kick() => Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
