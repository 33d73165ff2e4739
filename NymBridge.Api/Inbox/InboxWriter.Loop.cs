namespace NymBridge.Api.Inbox;

/// <remarks>The batch loop: the only code that appends to the store, so seqs are assigned in the order events were accepted.</remarks>
public sealed partial class InboxWriter
{
    /// <summary>The single writer: batch, append, tell the observer; on a store failure retry the same batch.</summary>
    /// <returns>How many accepted events were given up on (0 unless the store failed until the host's shutdown timeout).</returns>
    private async Task<int> RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<InboxEvent>(MaxBatch);
        var delay = RetryMinDelay;
        while (batch.Count > 0 || await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            IReadOnlyList<InboxEvent> committed;
            try
            {
                committed = await _store.AppendAsync(batch, CancellationToken.None);
            }
#pragma warning disable CA1031 // Whatever the store throws (disk full, locked file), the accepted events must not be lost: retry.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.AppendFailed(_logger, batch.Count, delay.TotalMilliseconds, e);
                // The error before the count: a /status read between the two must never see a failure without its reason.
                _lastStoreError = new StoreError($"{e.GetType().Name}: {e.Message}", _time.GetUtcNow());
                Interlocked.Increment(ref _storeFailures);
                if (!await DelayAsync(delay))
                {
                    var lost = batch.Count + reader.Count;
                    Log.Lost(_logger, lost);
                    return lost;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryMaxDelay.Ticks));
                continue;
            }

            delay = RetryMinDelay;
            batch.Clear();
            Count(committed);
            WarnIfDropping();
            _observer.OnCommitted(committed);
        }

        return 0;
    }

    private void Count(IReadOnlyList<InboxEvent> committed)
    {
        Interlocked.Add(ref _committed, committed.Count);
        // Counted per batch here, off the reader's path; two totals rather than one derived from the other,
        // so that each stays monotonic for whoever reads them between the two adds.
        var errors = 0;
        foreach (var e in committed)
        {
            if (e.Type == InboxEventType.Error)
            {
                errors++;
            }
        }

        Interlocked.Add(ref _committedReceived, committed.Count - errors);
        Interlocked.Add(ref _committedErrors, errors);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            long bytes = 0;
            foreach (var e in committed)
            {
                bytes += e.Payload.Length;
            }

            Log.Committed(_logger, committed.Count, bytes);
        }
    }

    private void WarnIfDropping()
    {
        var dropped = _store.GetStats().Dropped;
        if (dropped <= _droppedSeen)
        {
            return;
        }

        _droppedSeen = dropped;
        var now = _time.GetTimestamp();
        if (_droppedWarnedAt is not { } last || _time.GetElapsedTime(last, now) >= DroppedWarningInterval)
        {
            _droppedWarnedAt = now;
            Log.Dropping(_logger);
        }
    }

    private sealed record StoreError(string Error, DateTimeOffset At);

    private async Task<bool> DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _giveUp.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
