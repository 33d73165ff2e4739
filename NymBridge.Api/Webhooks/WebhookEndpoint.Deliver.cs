using NymBridge.Api.Inbox;

namespace NymBridge.Api.Webhooks;

public sealed partial class WebhookEndpoint
{
    public const string Succeeded = "succeeded", Retried = "retried", FailedOutcome = "failed";

    /// <summary>
    /// Delivers, then goes on with the next due delivery while there is one (in seq order, as the loop would
    /// start it) in the same slot: no wake-up of the loop and no new task between two deliveries.
    /// </summary>
    private async Task DeliverAsync(WebhookDelivery delivery, InboxEvent? e, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await DeliverOneAsync(delivery, e, stopping);
                lock (_lock)
                {
                    if (stopping.IsCancellationRequested || TakeDue(out var next, out e) != Take.Started)
                    {
                        return;
                    }

                    delivery = next!;
                }
            }
        }
        finally
        {
            Kick();
        }
    }

    /// <summary>One attempt of one event: post it, turn the answer into a reply, then record the outcome.</summary>
    private async Task DeliverOneAsync(WebhookDelivery delivery, InboxEvent? e, CancellationToken stopping)
    {
        try
        {
            e ??= await _inbox.GetAsync(delivery.Seq, stopping);
            if (e is null)
            {
                await ForgetEvictedAsync(delivery.Seq);
                return;
            }

            var epoch = _inbox.Epoch;
            var webhookId = WebhookPayload.WebhookId(epoch, e.Seq);
            var attempt = delivery.Attempts + 1;
            var at = _time.GetUtcNow();
            WebhookResponse answer;
            using (var body = WebhookPayload.Create(e, epoch, _json))
            {
                answer = await _sender.PostAsync(_url, _signature, webhookId, body, _options.Timeout, _replier.MaxAnswerBytes, stopping);
            }

            var reply = answer.Succeeded
                ? await _replier.ReplyAsync(StoreKey, _options, e, answer, _store, _time, stopping)
                : WebhookReplier.None;
            await RecordAsync(delivery, e.Seq, webhookId, attempt, at, answer, reply);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the row stays due and the next start delivers it again.
            lock (_lock)
            {
                _inFlight.Remove(delivery.Seq);
            }
        }
#pragma warning disable CA1031 // A store failure must not kill the endpoint: retry this event a little later.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Log.StateFailed(_logger, Name, error);
            lock (_lock)
            {
                _inFlight.Remove(delivery.Seq);
                if (_deliveries.ContainsKey(delivery.Seq))
                {
                    _deliveries[delivery.Seq] = delivery with { NextAttemptAt = _time.GetUtcNow() + TimeSpan.FromSeconds(1) };
                }
            }
        }
    }

    private Task ForgetEvictedAsync(long seq) => MutateAsync(() =>
    {
        _inFlight.Remove(seq);
        _deliveries.Remove(seq);
        _row = _row with { Dropped = _row.Dropped + 1 };
        Log.Dropped(_logger, Name, 1, seq);
        return new WebhookStateChange(_row, Deletes: [seq]);
    });

    /// <summary>
    /// Decides the outcome and holds the slot until it is committed: until then the event's row is in the store,
    /// so a crash sends it again, and a slot that went on meanwhile would let more than <c>Concurrency</c> events
    /// be sent again after a crash.
    /// </summary>
    private async Task RecordAsync(WebhookDelivery delivery, long seq, string webhookId, int attempt, DateTimeOffset at, WebhookResponse answer, string reply)
    {
        var outcome = Succeeded;
        var committed = MutateAsync(() =>
        {
            var now = _time.GetUtcNow();
            var logged = new WebhookAttempt(++_lastAttemptId, webhookId, seq, attempt, at, (long)answer.Duration.TotalMilliseconds,
                answer.Status, answer.Error, answer.ResponseBytes, reply);
            var sent = reply == WebhookReplier.Sent ? 1 : 0;
            var refused = reply.StartsWith(WebhookReplier.RefusedPrefix, StringComparison.Ordinal) ? 1 : 0;
            if (answer.Succeeded)
            {
                _deliveries.Remove(seq);
                _row = _row with
                {
                    Delivered = _row.Delivered + 1, LastSuccessAt = now,
                    RepliesSent = _row.RepliesSent + sent, RepliesRefused = _row.RepliesRefused + refused,
                };
                Log.Delivered(_logger, Name, seq, answer.Status!.Value, answer.Duration.TotalMilliseconds);
                return new WebhookStateChange(_row, Deletes: [seq], Attempt: logged);
            }

            var error = new WebhookError(now, answer.Status, answer.Error ?? "failed");
            var schedule = _options.EffectiveRetrySchedule;
            WebhookDelivery next;
            if (answer.Status == 410)
            {
                // The receiver asked to stop: the event stays due and goes first once the endpoint is enabled again.
                outcome = Retried;
                next = delivery with { Attempts = attempt, NextAttemptAt = now, LastError = error };
                _row = _row with { Enabled = false, DisabledReason = $"the endpoint answered 410 Gone at {now:O}; POST /webhooks/{Name}/enable to deliver again", LastError = error };
                Log.Gone(_logger, Name, seq);
            }
            else if (attempt > schedule.Count)
            {
                outcome = FailedOutcome;
                next = delivery with { Attempts = attempt, Failed = true, LastError = error };
                _row = _row with { Failed = _row.Failed + 1, LastError = error };
                Log.Failed(_logger, Name, seq, answer.Status, attempt);
            }
            else
            {
                outcome = Retried;
                var delay = Jitter(schedule[attempt - 1]);
                if (answer.RetryAfter is { } retryAfter && retryAfter > delay)
                {
                    delay = retryAfter; // the receiver said when: never earlier
                }

                next = delivery with { Attempts = attempt, NextAttemptAt = now + delay, LastError = error };
                _row = _row with { LastError = error };
                Log.Retrying(_logger, Name, seq, answer.Status, answer.Error ?? "", answer.Duration.TotalMilliseconds, delay.TotalSeconds);
            }

            _deliveries[seq] = next;
            return new WebhookStateChange(_row, Upserts: [next], Attempt: logged);
        });

        _metrics.Delivery(Name, outcome, answer.Duration);
        if (reply is WebhookReplier.Sent or WebhookReplier.Late)
        {
            _metrics.Reply(Name, reply);
        }
        else if (reply.StartsWith(WebhookReplier.RefusedPrefix, StringComparison.Ordinal))
        {
            _metrics.Reply(Name, "refused");
        }

        try
        {
            await committed;
        }
#pragma warning disable CA1031 // Only at a stop while the store fails (until then the commit is retried): the row stays due, so a restart delivers the event again.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.StateFailed(_logger, Name, e);
        }
        finally
        {
            lock (_lock)
            {
                _inFlight.Remove(seq);
            }
        }
    }

    /// <summary>±20% so that many events failing together do not come back together.</summary>
    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + 0.4 * Random.Shared.NextDouble());

    // Endpoint name, seq, status and duration only: never payloads, tags, URLs or secrets.
    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Information, "Webhook {Endpoint} started at cursor {Cursor} with {Pending} deliveries pending", EventName = "WebhookStarted")]
        public static partial void Started(ILogger logger, string endpoint, long cursor, int pending);

        [LoggerMessage(4002, LogLevel.Debug, "Webhook {Endpoint} delivered seq {Seq}: HTTP {Status} in {DurationMs} ms", EventName = "WebhookDelivered")]
        public static partial void Delivered(ILogger logger, string endpoint, long seq, int status, double durationMs);

        [LoggerMessage(4003, LogLevel.Warning, "Webhook {Endpoint} seq {Seq} failed (status {Status}: {Error}) after {DurationMs} ms; retrying in {DelaySeconds} s", EventName = "WebhookRetrying")]
        public static partial void Retrying(ILogger logger, string endpoint, long seq, int? status, string error, double durationMs, double delaySeconds);

        [LoggerMessage(4004, LogLevel.Error, "Webhook {Endpoint} seq {Seq} failed for good (status {Status}) after {Attempts} attempts; see GET /webhooks/{Endpoint}/failures", EventName = "WebhookFailed")]
        public static partial void Failed(ILogger logger, string endpoint, long seq, int? status, int attempts);

        [LoggerMessage(4005, LogLevel.Warning, "Webhook {Endpoint} answered 410 Gone at seq {Seq}: disabled until POST /webhooks/{Endpoint}/enable", EventName = "WebhookGone")]
        public static partial void Gone(ILogger logger, string endpoint, long seq);

        [LoggerMessage(4006, LogLevel.Warning, "Webhook {Endpoint}: {Count} events up to seq {Seq} were evicted by the inbox before delivery (dropped)", EventName = "WebhookDropped")]
        public static partial void Dropped(ILogger logger, string endpoint, long count, long seq);

        [LoggerMessage(4007, LogLevel.Error, "Webhook {Endpoint} could not save its state; retrying", EventName = "WebhookStateFailed")]
        public static partial void StateFailed(ILogger logger, string endpoint, Exception exception);
    }
}
