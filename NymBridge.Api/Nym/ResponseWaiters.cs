using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>
/// Callers waiting for the answers nym-client owes. nym answers in request order, so SelfAddress
/// answers go to waiters first-in first-out and LaneQueueLength answers to the oldest waiter of that lane.
/// </summary>
internal sealed class ResponseWaiters
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource<NymAddress>> _selfAddress = new();
    private readonly Dictionary<ulong, Queue<TaskCompletionSource<LaneQueueLengthResponse>>> _lanes = [];

    public TaskCompletionSource<NymAddress> ExpectSelfAddress()
    {
        var waiter = new TaskCompletionSource<NymAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _selfAddress.Enqueue(waiter);
        }

        return waiter;
    }

    public TaskCompletionSource<LaneQueueLengthResponse> ExpectLane(ulong lane)
    {
        var waiter = new TaskCompletionSource<LaneQueueLengthResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (!_lanes.TryGetValue(lane, out var queue))
            {
                _lanes[lane] = queue = new Queue<TaskCompletionSource<LaneQueueLengthResponse>>();
            }

            queue.Enqueue(waiter);
        }

        return waiter;
    }

    /// <summary>Forget a waiter whose caller gave up, so a late answer goes to the next one in line.</summary>
    public void Forget(ulong lane, TaskCompletionSource<LaneQueueLengthResponse> waiter)
    {
        lock (_lock)
        {
            if (_lanes.TryGetValue(lane, out var queue) && queue.Contains(waiter))
            {
                var rest = queue.Where(w => w != waiter).ToArray();
                queue.Clear();
                foreach (var w in rest)
                {
                    queue.Enqueue(w);
                }

                if (queue.Count == 0)
                {
                    _lanes.Remove(lane);
                }
            }
        }
    }

    public void Complete(NymAddress address)
    {
        TaskCompletionSource<NymAddress>[] waiters;
        lock (_lock)
        {
            // Every pending SelfAddress question has the same answer.
            waiters = [.. _selfAddress];
            _selfAddress.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetResult(address);
        }
    }

    /// <returns>false when nobody was waiting for this lane (an answer to a caller that gave up).</returns>
    public bool Complete(LaneQueueLengthResponse answer)
    {
        TaskCompletionSource<LaneQueueLengthResponse>? waiter = null;
        lock (_lock)
        {
            if (_lanes.TryGetValue(answer.Lane, out var queue) && queue.TryDequeue(out waiter) && queue.Count == 0)
            {
                _lanes.Remove(answer.Lane);
            }
        }

        return waiter?.TrySetResult(answer) ?? false;
    }

    public void FailAll(Exception error)
    {
        List<Action> failures = [];
        lock (_lock)
        {
            foreach (var waiter in _selfAddress)
            {
                failures.Add(() => waiter.TrySetException(error));
            }

            foreach (var waiter in _lanes.Values.SelectMany(q => q))
            {
                failures.Add(() => waiter.TrySetException(error));
            }

            _selfAddress.Clear();
            _lanes.Clear();
        }

        failures.ForEach(fail => fail());
    }
}
