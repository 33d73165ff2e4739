using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// One configured endpoint at run time: follows the inbox from its cursor, delivers up to
/// <c>Concurrency</c> events at a time (started in seq order), retries on the schedule, and keeps its
/// state in the <see cref="IWebhookStateStore"/>. Split by concern: this file the loop, <c>.Deliver</c>
/// one attempt and its outcome, <c>.Manage</c> what the management API reads and changes.
/// </summary>
/// <remarks>
/// <para>
/// At least once: an event's admission (cursor past it, a delivery row due now) is committed before its
/// first attempt, and its outcome before the row goes. A crash leaves the rows of the events in flight
/// due, so a restart sends exactly those again, with the same webhook-id.
/// </para>
/// <para>
/// No polling: the loop sleeps on one signal, set by the inbox subscription (woken by the inbox commit),
/// by finished deliveries and by the management API, with a timeout from the <see cref="TimeProvider"/>
/// until the next retry is due. A retry waiting for its time holds no slot: later events go on.
/// </para>
/// </remarks>
public sealed partial class WebhookEndpoint : IAsyncDisposable
{
    private readonly WebhookEndpointOptions _options;
    private readonly Uri _url;
    private readonly byte[] _key;
    private readonly InboxService _inbox;
    private readonly IWebhookStateStore _store;
    private readonly WebhookSender _sender;
    private readonly WebhookReplier _replier;
    private readonly WebhookMetrics _metrics;
    private readonly JsonSerializerOptions _json;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private readonly SortedDictionary<long, WebhookDelivery> _deliveries = [];
    private readonly HashSet<long> _inFlight = [];
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly Channel<InboxEvent> _incoming;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _signal = NewSignal();
    private WebhookEndpointRow _row = null!;
    private long _lastAttemptId;
    private Task? _loop;
    private Task? _reader;

    public WebhookEndpoint(
        string name, WebhookEndpointOptions options, byte[] key, InboxService inbox, IWebhookStateStore store, WebhookSender sender,
        WebhookReplier replier, WebhookMetrics metrics, JsonSerializerOptions json, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        StoreKey = name.ToLowerInvariant();
        _options = options;
        _url = new Uri(options.Url!, UriKind.Absolute);
        _key = key;
        _inbox = inbox;
        _store = store;
        _sender = sender;
        _replier = replier;
        _metrics = metrics;
        _json = json;
        _time = time;
        _logger = logger;
        // Only a lookahead: the subscription behind it catches up from the store when this is full.
        _incoming = Channel.CreateBounded<InboxEvent>(new BoundedChannelOptions(options.Concurrency) { SingleReader = true, SingleWriter = true });
    }

    public string Name { get; }

    /// <summary>Names are case-insensitive (as configuration keys are): the store keys them in lower case.</summary>
    private string StoreKey { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var saved = await _store.LoadAsync(StoreKey, cancellationToken);
        if (saved is null)
        {
            var stats = _inbox.GetStatus().Store;
            var cursor = _options.StartFrom.Equals(WebhookEndpointOptions.StartFromOldest, StringComparison.OrdinalIgnoreCase)
                ? (stats.Count > 0 ? stats.FirstSeq - 1 : stats.LastSeq)
                : stats.LastSeq;
            _row = new WebhookEndpointRow(StoreKey, cursor, true, null, 0, 0, 0, 0, 0, null, null);
            await _store.SaveAsync(new WebhookStateChange(_row), cancellationToken);
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

        Log.Started(_logger, Name, _row.Cursor, _deliveries.Count);
        var cursorAtStart = _row.Cursor;
        _reader = Task.Run(() => ReadInboxAsync(cursorAtStart, _stopping.Token), CancellationToken.None);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Stops starting deliveries and abandons those in flight: their rows stay due, so the next start sends them again.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        Kick();
        var tasks = new List<Task>(_running.Keys);
        if (_loop is not null)
        {
            tasks.Add(_loop);
        }

        if (_reader is not null)
        {
            tasks.Add(_reader);
        }

        await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        _saveGate.Dispose();
    }

    private async Task ReadInboxAsync(long after, CancellationToken stopping)
    {
        try
        {
            await foreach (var e in _inbox.SubscribeAsync(after, stopping))
            {
                await _incoming.Writer.WriteAsync(e, stopping);
                Kick();
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
#pragma warning disable CA1031 // The store failed (disk full, locked file): keep the endpoint alive and try again shortly.
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

    /// <summary>Starts what may start now, lowest seq first: due retries and redeliveries, and new events from the inbox.</summary>
    private async Task StartDueAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            WebhookDelivery? due = null;
            lock (_lock)
            {
                if (!_row.Enabled || _inFlight.Count >= _options.Concurrency)
                {
                    return;
                }

                var now = _time.GetUtcNow();
                foreach (var d in _deliveries.Values)
                {
                    if (!d.Failed && !_inFlight.Contains(d.Seq) && d.NextAttemptAt <= now)
                    {
                        due = d;
                        break;
                    }
                }

                var hasNext = _incoming.Reader.TryPeek(out var next);
                if (due is not null && (!hasNext || due.Seq < next!.Seq))
                {
                    _inFlight.Add(due.Seq);
                    Launch(due, null, stopping);
                    continue;
                }

                if (!hasNext)
                {
                    return;
                }
            }

            if (_incoming.Reader.TryRead(out var incoming))
            {
                await AdmitAsync(incoming, stopping);
            }
        }
    }

    /// <summary>Moves the cursor past a new event and, when it is to be delivered, commits its row before delivering it.</summary>
    private async Task AdmitAsync(InboxEvent e, CancellationToken stopping)
    {
        // Evicted between the commit and now: the endpoint never got it, so it counts as dropped, never silently.
        var retained = e.Seq >= _inbox.GetStatus().Store.FirstSeq;
        WebhookDelivery? admitted = null;
        await MutateAsync(() =>
        {
            var dropped = Math.Max(0, e.Seq - _row.Cursor - 1);
            var wanted = _options.Wants(e.Type);
            if (wanted && !retained)
            {
                dropped++;
            }

            _row = _row with { Cursor = e.Seq, Dropped = _row.Dropped + dropped };
            if (dropped > 0)
            {
                Log.Dropped(_logger, Name, dropped, e.Seq);
            }

            if (!wanted || !retained)
            {
                return new WebhookStateChange(_row);
            }

            admitted = new WebhookDelivery(e.Seq, 0, _time.GetUtcNow(), false, null);
            _deliveries[e.Seq] = admitted;
            _inFlight.Add(e.Seq);
            return new WebhookStateChange(_row, Upserts: [admitted]);
        });

        if (admitted is not null)
        {
            lock (_lock)
            {
                Launch(admitted, e, stopping);
            }
        }
    }

    private void Launch(WebhookDelivery delivery, InboxEvent? e, CancellationToken stopping)
    {
        var task = Task.Run(() => DeliverAsync(delivery, e, stopping), CancellationToken.None);
        _running.TryAdd(task, 0);
        task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private TimeSpan? NextDueIn()
    {
        lock (_lock)
        {
            if (!_row.Enabled)
            {
                return null;
            }

            DateTimeOffset? next = null;
            foreach (var d in _deliveries.Values)
            {
                if (!d.Failed && !_inFlight.Contains(d.Seq) && (next is null || d.NextAttemptAt < next))
                {
                    next = d.NextAttemptAt;
                }
            }

            return next is { } at ? Max(at - _time.GetUtcNow(), TimeSpan.Zero) : null;
        }
    }

    /// <summary>Changes the in-memory state and commits the same change, in the order the changes were made.</summary>
    private async Task MutateAsync(Func<WebhookStateChange?> mutate)
    {
        await _saveGate.WaitAsync();
        try
        {
            WebhookStateChange? change;
            lock (_lock)
            {
                change = mutate();
            }

            if (change is not null)
            {
                await _store.SaveAsync(change, CancellationToken.None);
            }
        }
        finally
        {
            _saveGate.Release();
        }
    }

    private void Kick() => Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
