using NymBridge.Api.Inbox;

namespace NymBridge.Api.Webhooks;

/// <remarks>
/// What may start when: due retries and redeliveries, and new events from the inbox, lowest seq first, within
/// <c>Concurrency</c> slots. A retry waiting for its time holds no slot: later events go on.
/// </remarks>
public sealed partial class WebhookEndpoint
{
    /// <summary>Starts what may start now, lowest seq first: due retries and redeliveries, and new events from the inbox.</summary>
    private async Task StartDueAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Take take;
            WebhookDelivery? due;
            InboxEvent? admitted;
            lock (_lock)
            {
                take = TakeDue(out due, out admitted);
            }

            switch (take)
            {
                case Take.Started:
                    Launch(due!, admitted, stopping);
                    continue;
                case Take.Nothing:
                    return;
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
        var firstRetained = _counters.Store.FirstSeq;
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
        lock (_lock)
        {
            _admittedThrough = batch[^1].Seq;
        }
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
            if (d.Seq > _admittedThrough)
            {
                break; // sorted by seq: the rest wait for their admission's commit, and the loop starts them after it
            }

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

    /// <summary>
    /// Starts the delivery on this thread, outside the lock: it runs until its request is on the wire and its first
    /// await yields. A hop to the pool first cost a wake-up of an idle thread on every event's way (7c).
    /// </summary>
    private void Launch(WebhookDelivery delivery, InboxEvent? e, CancellationToken stopping) =>
        Track(DeliverAsync(delivery, e, stopping));

    /// <summary>Deliveries, each until its outcome commits: <see cref="StopAsync"/> waits for them.</summary>
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
                if (d.Seq > _admittedThrough)
                {
                    break;
                }

                if (!d.Failed && !_inFlight.Contains(d.Seq) && (next is null || d.NextAttemptAt < next))
                {
                    next = d.NextAttemptAt;
                }
            }

            return next is { } at ? Max(at - _time.GetUtcNow(), TimeSpan.Zero) : null;
        }
    }
}
