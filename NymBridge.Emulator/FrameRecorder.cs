namespace NymBridge.Emulator;

/// <summary>The messages received so far, and the tests waiting for one.</summary>
internal sealed class FrameRecorder
{
    private readonly Lock _lock = new();
    private readonly List<RecordedFrame> _frames = [];
    private readonly List<Waiter> _waiters = [];

    public IReadOnlyList<RecordedFrame> Snapshot()
    {
        lock (_lock)
        {
            return [.. _frames];
        }
    }

    public void Add(RecordedFrame frame)
    {
        lock (_lock)
        {
            _frames.Add(frame);
            foreach (var waiter in _waiters)
            {
                waiter.Offer(frame);
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _frames.Clear();
        }
    }

    public async Task<RecordedFrame> WaitAsync(Func<RecordedFrame, bool>? predicate, TimeSpan timeout)
    {
        var waiter = new Waiter(predicate ?? (_ => true));
        lock (_lock)
        {
            foreach (var frame in _frames)
            {
                if (waiter.Predicate(frame))
                {
                    return frame;
                }
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching frame arrived within {timeout} ({Snapshot().Count} frames recorded).");
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Waiter(Func<RecordedFrame, bool> predicate)
        : TaskCompletionSource<RecordedFrame>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public Func<RecordedFrame, bool> Predicate => predicate;

        public void Offer(RecordedFrame frame)
        {
            if (Task.IsCompleted)
            {
                return;
            }

            try
            {
                if (predicate(frame))
                {
                    TrySetResult(frame);
                }
            }
            catch (Exception e)
            {
                // The test's predicate failed; that is the test's answer, not the session's problem.
                TrySetException(e);
            }
        }
    }
}
