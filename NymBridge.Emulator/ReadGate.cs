namespace NymBridge.Emulator;

/// <summary>Open: connections read as usual. Closed: every read waits, so nothing is answered, not even pings.</summary>
internal sealed class ReadGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _open = CreateOpen();

    public void Close()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Open()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    public Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        var open = Volatile.Read(ref _open).Task;
        return open.IsCompleted ? Task.CompletedTask : open.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource CreateOpen()
    {
        var open = new TaskCompletionSource();
        open.SetResult();
        return open;
    }
}
