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
    /// <summary>
    /// Changes the in-memory state and commits the same change, in the order the changes were made; the task
    /// ends once it is committed.
    /// </summary>
    private Task MutateAsync(Func<WebhookStateChange?> mutate)
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
                    return Task.CompletedTask;
                }

                _toCommit.Add(change);
                committed = _nextCommit.Task;
                lead = !_committing;
                _committing = true;
            }
        }

        return lead ? LeadCommitAsync(committed) : committed;
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
