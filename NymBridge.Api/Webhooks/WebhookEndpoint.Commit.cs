namespace NymBridge.Api.Webhooks;

/// <remarks>
/// Few commits per delivery: new events are admitted up to <see cref="AdmitBatch"/> at a time in one
/// transaction (their rows due at once, started in seq order as slots free up), and every change goes
/// through one group commit: changes made while a commit runs are committed together by the next one.
/// A finished attempt frees its slot when its outcome is decided, before that outcome commits: a crash
/// in between only sends the event again (its row is still there), and the reply claim, which is what
/// keeps a reply single, is committed on its own before the Reply frame (<see cref="WebhookReplier"/>).
/// </remarks>
public sealed partial class WebhookEndpoint
{
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
}
