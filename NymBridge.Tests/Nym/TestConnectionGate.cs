using NymBridge.Api.Nym;

namespace NymBridge.Tests.Nym;

/// <summary>A gate the test opens and closes by hand, as a leader lease would be gained and lost.</summary>
internal sealed class TestConnectionGate : INymConnectionGate, IDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource? _turn;
    private TaskCompletionSource<CancellationToken> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the connection first asks for its turn: the app has started and is waiting at the gate.</summary>
    public Task Asked => _asked.Task;

    public Task<CancellationToken> WaitForTurnAsync(CancellationToken cancellationToken)
    {
        _asked.TrySetResult();
        lock (_lock)
        {
            return _turn is { } turn ? Task.FromResult(turn.Token) : _opened.Task.WaitAsync(cancellationToken);
        }
    }

    public void Open()
    {
        TaskCompletionSource<CancellationToken> opened;
        lock (_lock)
        {
            if (_turn is not null)
            {
                return;
            }

            _turn = new CancellationTokenSource();
            opened = _opened;
            _opened = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        opened.TrySetResult(_turn.Token);
    }

    public void Close()
    {
        CancellationTokenSource? turn;
        lock (_lock)
        {
            turn = _turn;
            _turn = null;
        }

        turn?.Cancel();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _turn?.Dispose();
        }
    }
}
