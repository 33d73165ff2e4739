namespace NymBridge.Api.Webhooks;

public sealed partial class WebhookEndpoint
{
    public WebhookSummary GetSummary()
    {
        var lastSeq = _inbox.LastSeq;
        lock (_lock)
        {
            var waiting = _deliveries.Values.Where(d => !d.Failed).ToList();
            DateTimeOffset? next = waiting.Where(d => !_inFlight.Contains(d.Seq)).Select(d => (DateTimeOffset?)d.NextAttemptAt).Min();
            return new WebhookSummary(
                Name, ShownUrl(_url), [.. _options.EffectiveEvents.Select(e => e.ToLowerInvariant())], _row.Enabled, _row.DisabledReason, _row.Cursor,
                Math.Max(0, lastSeq - _row.Cursor) + waiting.Count, _inFlight.Count, _row.Delivered, _row.Failed, _row.Dropped,
                _row.RepliesSent, _row.RepliesRefused, _row.LastSuccessAt, _row.LastError, _row.Enabled ? next : null, Volatile.Read(ref _stateError));
        }
    }

    /// <summary>For the pending-events gauge.</summary>
    public long Pending
    {
        get
        {
            var lastSeq = _inbox.LastSeq;
            lock (_lock)
            {
                return Math.Max(0, lastSeq - _row.Cursor) + _deliveries.Values.Count(d => !d.Failed);
            }
        }
    }

    public IReadOnlyList<WebhookFailure> GetFailures()
    {
        var epoch = _inbox.Epoch;
        lock (_lock)
        {
            return [.. _deliveries.Values.Where(d => d.Failed).Select(d => new WebhookFailure(d.Seq, WebhookPayload.WebhookId(epoch, d.Seq), d.Attempts, d.LastError))];
        }
    }

    public Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(long after, int max, CancellationToken cancellationToken) =>
        _store.ReadAttemptsAsync(StoreKey, after, max, cancellationToken);

    /// <summary>
    /// Queues retained events again, due now with a fresh schedule: events up to the cursor only (later ones
    /// come anyway), none twice, none that is in flight. Returns the seqs queued.
    /// </summary>
    public async Task<IReadOnlyList<long>> RedeliverAsync(WebhookRedeliverSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var stats = _counters.Store;
        var queued = new List<long>();
        var committed = MutateOrReportAsync(() =>
        {
            IEnumerable<long> seqs = selection switch
            {
                { Seqs: { } list } => list.Distinct().Order(),
                { From: { } from } => Range(Math.Max(from, stats.FirstSeq), _row.Cursor),
                _ => [.. _deliveries.Values.Where(d => d.Failed).Select(d => d.Seq)],
            };
            var now = _time.GetUtcNow();
            var upserts = new List<WebhookDelivery>();
            var failedAgain = 0;
            foreach (var seq in seqs)
            {
                var retained = stats.Count > 0 && seq >= stats.FirstSeq;
                if (seq < 1 || seq > _row.Cursor || _inFlight.Contains(seq) || (!retained && !_deliveries.ContainsKey(seq)))
                {
                    continue;
                }

                if (_deliveries.TryGetValue(seq, out var existing) && existing.Failed)
                {
                    failedAgain++;
                }

                var d = new WebhookDelivery(seq, 0, now, false, null);
                _deliveries[seq] = d;
                upserts.Add(d);
                queued.Add(seq);
            }

            if (upserts.Count == 0)
            {
                return null;
            }

            // Requeued failures are no longer failed; they count again if they exhaust their retries again.
            _row = _row with { Failed = Math.Max(0, _row.Failed - failedAgain) };
            return new WebhookStateChange(_row, Upserts: upserts);
        });
        // In effect now: the loop may start them before the commit ends, as their outcomes commit after it.
        Kick();
        await committed;
        return queued;
    }

    public async Task SetEnabledAsync(bool enabled)
    {
        var committed = MutateOrReportAsync(() =>
        {
            _row = _row with { Enabled = enabled, DisabledReason = enabled ? null : "disabled through POST /webhooks/" + Name + "/disable" };
            return new WebhookStateChange(_row);
        });
        Kick();
        await committed;
    }

    private static IEnumerable<long> Range(long from, long to)
    {
        for (var seq = from; seq <= to; seq++)
        {
            yield return seq;
        }
    }

    /// <summary>The URL without user info, and with its query replaced by "…": either may carry a token.</summary>
    public static string ShownUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var shown = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return string.IsNullOrEmpty(url.Query) ? shown : shown + "?…";
    }
}

/// <summary>One endpoint in <c>GET /webhooks</c> (never its secret).</summary>
/// <param name="Url">Without user info; a query string is shown as "?…".</param>
/// <param name="Cursor">Every seq up to this one was admitted for delivery, skipped (another event type) or dropped.</param>
/// <param name="Pending">Events not delivered yet: admitted and waiting or in flight, plus inbox events after the cursor.</param>
/// <param name="NextAttemptAt">When the next retry is due (null when none waits, or the endpoint is disabled).</param>
/// <param name="StateError">
/// Why the endpoint's state could not be saved (a full disk, say), while it cannot: deliveries wait until it can, and none is lost.
/// </param>
public sealed record WebhookSummary(
    string Name, string Url, IReadOnlyList<string> Events, bool Enabled, string? DisabledReason, long Cursor, long Pending, int InFlight,
    long Delivered, long Failed, long Dropped, long RepliesSent, long RepliesRefused, DateTimeOffset? LastSuccessAt, WebhookError? LastError,
    DateTimeOffset? NextAttemptAt, WebhookError? StateError);

/// <summary>An event that exhausted its retries for an endpoint.</summary>
public sealed record WebhookFailure(long Seq, string WebhookId, int Attempts, WebhookError? LastError);

/// <summary>Body of <c>POST /webhooks/{name}/redeliver</c>: exactly one of the three.</summary>
public sealed record WebhookRedeliverSelection
{
    /// <summary>These seqs.</summary>
    public long[]? Seqs { get; init; }

    /// <summary>Every retained seq from this one up to the cursor.</summary>
    public long? From { get; init; }

    /// <summary>true: every event that exhausted its retries.</summary>
    public bool? Failed { get; init; }
}
