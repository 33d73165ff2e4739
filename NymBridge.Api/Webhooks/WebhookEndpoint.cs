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
/// first attempt, and the row goes only when its outcome commits. A crash leaves the rows of the events
/// admitted and not yet recorded due, so a restart sends exactly those again, with the same webhook-id.
/// </para>
/// <para>
/// Few commits per delivery: new events are admitted up to <see cref="AdmitBatch"/> at a time in one
/// transaction (their rows due at once, started in seq order as slots free up), and every change goes
/// through one group commit: changes made while a commit runs are committed together by the next one.
/// A finished attempt frees its slot when its outcome is decided, before that outcome commits: a crash
/// in between only sends the event again (its row is still there), and the reply claim, which is what
/// keeps a reply single, is committed on its own before the Reply frame (<see cref="WebhookReplier"/>).
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
    private readonly Lock _commitLock = new();
    private readonly SortedDictionary<long, WebhookDelivery> _deliveries = [];
    // Events admitted and not started yet, kept so their first attempt needs no store read.
    private readonly Dictionary<long, InboxEvent> _admitted = [];
    private readonly HashSet<long> _inFlight = [];
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly Channel<InboxEvent> _incoming;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _signal = NewSignal();
    private List<WebhookStateChange> _toCommit = [];
    private TaskCompletionSource _nextCommit = NewSignal();
    private bool _committing; // a commit runs or a leader waits out the outcome window
    private bool _windowOpen; // the leader waits: an admission may take its place at once
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
            var stats = _inbox.GetStatus().Store;
            var cursor = _options.StartFrom.Equals(WebhookEndpointOptions.StartFromOldest, StringComparison.OrdinalIgnoreCase)
                ? (stats.Count > 0 ? stats.FirstSeq - 1 : stats.LastSeq)
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
            lock (_lock)
            {
                switch (TakeDue(out var due, out var admitted))
                {
                    case Take.Started:
                        Launch(due!, admitted, stopping);
                        continue;
                    case Take.Nothing:
                        return;
                }
            }

            var batch = new List<InboxEvent>();
            while (batch.Count < AdmitBatch && _incoming.Reader.TryRead(out var incoming))
            {
                batch.Add(incoming);
            }

            if (batch.Count > 0)
            {
                await AdmitAsync(batch);
            }
        }
    }

    /// <summary>
    /// Moves the cursor past new events and commits the rows of those to deliver, in one transaction, before
    /// any is delivered; the loop then starts them, lowest seq first, as slots free up.
    /// </summary>
    private async Task AdmitAsync(List<InboxEvent> batch)
    {
        // Evicted between the commit and now: the endpoint never got it, so it counts as dropped, never silently.
        var firstRetained = _inbox.GetStatus().Store.FirstSeq;
        await MutateAsync(() =>
        {
            List<WebhookDelivery>? upserts = null;
            var now = _time.GetUtcNow();
            foreach (var e in batch)
            {
                var retained = e.Seq >= firstRetained;
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

                if (wanted && retained)
                {
                    var admitted = new WebhookDelivery(e.Seq, 0, now, false, null);
                    _deliveries[e.Seq] = admitted;
                    _admitted[e.Seq] = e;
                    (upserts ??= []).Add(admitted);
                }
            }

            return new WebhookStateChange(_row, Upserts: upserts);
        });
    }

    private enum Take { Started, Admit, Nothing }

    /// <summary>
    /// Under the lock: takes a slot for the lowest due delivery (<see cref="Take.Started"/>), unless a new event
    /// with a lower seq must be admitted first (<see cref="Take.Admit"/>), or nothing may start now.
    /// </summary>
    private Take TakeDue(out WebhookDelivery? due, out InboxEvent? admitted)
    {
        due = null;
        admitted = null;
        if (!_row.Enabled || _inFlight.Count >= _options.Concurrency)
        {
            return Take.Nothing;
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
            _admitted.Remove(due.Seq, out admitted);
            return Take.Started;
        }

        due = null;
        return hasNext ? Take.Admit : Take.Nothing;
    }

    private void Launch(WebhookDelivery delivery, InboxEvent? e, CancellationToken stopping) =>
        Track(Task.Run(() => DeliverAsync(delivery, e, stopping), CancellationToken.None));

    /// <summary>Deliveries and outcome commits: <see cref="StopAsync"/> waits for them.</summary>
    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private TimeSpan? NextDueIn()
    {
        lock (_lock)
        {
            // Disabled, or every slot taken: only a change (enable, a finished delivery) can start anything, and it kicks.
            // Without the second check, admitted rows (due now, not in flight yet) made the loop spin.
            if (!_row.Enabled || _inFlight.Count >= _options.Concurrency)
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

    /// <summary>
    /// Changes the in-memory state and commits the same change, in the order the changes were made; the task
    /// ends once it is committed. <paramref name="leadInline"/> false: when this change starts a commit, it runs
    /// on another thread, so the caller (a delivery going on to its next event) does not wait for it.
    /// </summary>
    private Task MutateAsync(Func<WebhookStateChange?> mutate, bool leadInline = true)
    {
        Task committed;
        bool lead;
        lock (_lock)
        {
            var change = mutate();
            lock (_commitLock)
            {
                if (change is null)
                {
                    committed = Task.CompletedTask;
                    lead = false;
                }
                else
                {
                    _toCommit.Add(change);
                    committed = _nextCommit.Task;
                    // An inline leader (an admission, due before its first attempt) takes over from a waiting one.
                    lead = !_committing || (leadInline && _windowOpen);
                    _windowOpen = lead ? !leadInline : _windowOpen;
                    _committing = true;
                }
            }
        }

        if (!lead)
        {
            return committed;
        }

        return leadInline ? LeadCommitAsync(committed) : Task.Run(() => LeadLaterAsync(committed), CancellationToken.None);
    }

    /// <summary>
    /// Group commit: the caller that found no commit running commits everything queued, its own change
    /// included, in one transaction; changes queued meanwhile go in the next one, led by a fresh task so
    /// that no caller (the loop admitting events) is kept committing other callers' changes.
    /// </summary>
    private async Task LeadCommitAsync(Task mine)
    {
        await CommitQueuedAsync();
        await mine;
    }

    /// <summary>
    /// Outcomes need not be durable at once (until they are, a crash only sends those events again): waiting
    /// <see cref="OutcomeWindow"/> lets the outcomes of every slot share one commit. Real time, not the endpoint's
    /// <see cref="TimeProvider"/>: it only decides how many changes share a commit, nothing anyone schedules on.
    /// An admission queued meanwhile commits everything at once, without waiting.
    /// </summary>
    private async Task LeadLaterAsync(Task mine)
    {
        await Task.Delay(OutcomeWindow, CancellationToken.None);
        bool still;
        lock (_commitLock)
        {
            still = _windowOpen;
            _windowOpen = false;
        }

        if (still)
        {
            await CommitQueuedAsync();
        }

        await mine;
    }

    private static readonly TimeSpan OutcomeWindow = TimeSpan.FromMilliseconds(2);

    private async Task CommitQueuedAsync()
    {
        List<WebhookStateChange> batch;
        TaskCompletionSource done;
        lock (_commitLock)
        {
            batch = _toCommit;
            done = _nextCommit;
            _toCommit = [];
            _nextCommit = NewSignal();
        }

        try
        {
            await _store.SaveAsync(batch, CancellationToken.None);
            done.TrySetResult();
        }
#pragma warning disable CA1031 // Handed to every change of the batch: each caller handles a failed save as before.
        catch (Exception e)
#pragma warning restore CA1031
        {
            done.TrySetException(e);
        }

        bool more;
        lock (_commitLock)
        {
            more = _toCommit.Count > 0;
            _committing = more;
        }

        if (more)
        {
            _ = Task.Run(CommitQueuedAsync, CancellationToken.None);
        }
    }

    private void Kick() => Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
