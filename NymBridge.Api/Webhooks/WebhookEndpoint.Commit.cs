namespace NymBridge.Api.Webhooks;

/// <remarks>
/// Few commits per delivery: new events are admitted up to <see cref="AdmitBatch"/> at a time in one
/// transaction (their rows due at once, started in seq order as slots free up), and every change goes
/// through one group commit: changes made while a commit runs are committed together by the next one.
/// A finished attempt holds its slot until its outcome is committed, so what a crash can send again is
/// bounded by <c>Concurrency</c>; the slots finishing while one commit runs share the next one.
/// </remarks>
public sealed partial class WebhookEndpoint
{
    private static readonly TimeSpan FirstCommitRetry = TimeSpan.FromMilliseconds(250), LastCommitRetry = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Changes the in-memory state and commits the same change, in the order the changes were made; the task
    /// ends once it is committed.
    /// </summary>
    /// <remarks>
    /// With no commit running, the caller commits under the endpoint's lock: saves then keep the order of the changes
    /// without a queue, and with the journal (one write, a few µs) the commit is done when this returns. Committed
    /// outside the lock, a second slot finishing in that window queued behind it and was resumed through two
    /// thread-pool hops. Only a save that does not complete at once (a failing or slow store) makes later changes queue.
    /// </remarks>
    private Task MutateAsync(Func<WebhookStateChange?> mutate)
    {
        lock (_lock)
        {
            var change = mutate();
            Task committed;
            lock (_commitLock)
            {
                if (change is null)
                {
                    return Task.CompletedTask;
                }

                if (_commitsAbandoned is { } abandoned)
                {
                    return Task.FromException(abandoned);
                }

                _toCommit.Add(change);
                committed = _nextCommit.Task;
                if (_committing)
                {
                    return committed;
                }

                _committing = true;
            }

            return LeadCommitAsync(committed);
        }
    }

    /// <summary>
    /// <see cref="MutateAsync"/> for a caller that must answer (the management API): it ends at the commit, or
    /// throws <see cref="WebhookStateNotSavedException"/> while saves fail (at once, or at the next failed save).
    /// The change stays in effect and queued either way, and commits once the store recovers.
    /// </summary>
    private async Task MutateOrReportAsync(Func<WebhookStateChange?> mutate)
    {
        Task failed;
        lock (_commitLock)
        {
            failed = _saveFailed.Task;
        }

        var committed = MutateAsync(mutate);
        // A store that is failing now answers at once; otherwise the first save that fails from here on does.
        if (!committed.IsCompleted && Volatile.Read(ref _stateError) is null)
        {
            await Task.WhenAny(committed, failed);
        }

        if (committed.IsCompleted)
        {
            await committed;
            return;
        }

        // Nobody awaits the commit now. It fails only when a stop gives up on a store that still fails, and that failure is logged already.
        _ = committed.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        throw new WebhookStateNotSavedException(Volatile.Read(ref _stateError)?.Reason ?? "the store failed");
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
    /// Commits what is queued. A batch that fails is never dropped: every change carries the endpoint row, so a
    /// later change committed without it would store a cursor past events whose rows were never stored, and a
    /// restart would skip them. It is retried first, with what queued meanwhile, until it commits; its callers
    /// wait (a full disk holds deliveries back, it does not lose them). Only a stop gives up, and then no later
    /// change commits either: the store keeps the state of the last commit, which a restart resumes from.
    /// </summary>
    private async Task CommitQueuedAsync()
    {
        var retryIn = FirstCommitRetry;
        while (true)
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
                Volatile.Write(ref _stateError, null);
                done.TrySetResult();
            }
#pragma warning disable CA1031 // Whatever the store threw (disk full, locked file), the batch is kept and retried.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.StateFailed(_logger, Name, e);
                Volatile.Write(ref _stateError, new WebhookError(_time.GetUtcNow(), null, e.Message));
                Requeue(batch, done);
                TaskCompletionSource failed;
                lock (_commitLock)
                {
                    failed = _saveFailed;
                    _saveFailed = NewSignal();
                }

                failed.TrySetResult();
                await Task.Delay(retryIn, _time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                retryIn = Min(retryIn * 2, LastCommitRetry);
                if (_stopping.IsCancellationRequested)
                {
                    Abandon(e);
                    return;
                }

                continue;
            }

            lock (_commitLock)
            {
                if (_toCommit.Count == 0)
                {
                    _committing = false;
                    return;
                }
            }

            _ = Task.Run(CommitQueuedAsync, CancellationToken.None);
            return;
        }
    }

    /// <summary>Puts a failed batch back in front of what queued meanwhile; its callers complete with the next commit.</summary>
    private void Requeue(List<WebhookStateChange> batch, TaskCompletionSource done)
    {
        TaskCompletionSource next;
        lock (_commitLock)
        {
            batch.AddRange(_toCommit);
            _toCommit = batch;
            next = _nextCommit;
        }

        next.Task.ContinueWith(
            static (t, state) => ((TaskCompletionSource)state!).TrySetFromTask(t),
            done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Stopping with a store that still fails: fails every queued change, and every later one.</summary>
    private void Abandon(Exception error)
    {
        TaskCompletionSource waiting;
        lock (_commitLock)
        {
            _commitsAbandoned = error;
            _toCommit = [];
            waiting = _nextCommit;
            _committing = false;
        }

        waiting.TrySetException(error);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>A change is in effect but its commit failed; it stays queued and commits once the store recovers.</summary>
public sealed class WebhookStateNotSavedException(string reason) : Exception($"The webhook state could not be saved: {reason}")
{
    public string Reason { get; } = reason;
}
