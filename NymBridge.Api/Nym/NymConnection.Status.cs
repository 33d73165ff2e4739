using System.Threading.Channels;
using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>What the connection knows and reports: its state, nym-client's self address, the counters of <c>/status</c>.</summary>
public sealed partial class NymConnection
{
    public NymAddress? SelfAddress => _connected ? _selfAddress : null;

    public Task<NymAddress> WaitForSelfAddressAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken);

    private static TaskCompletionSource<NymAddress> NewReadySignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task NextStatusChange => Volatile.Read(ref _statusChange).Task;

    private void SignalStatusChange() =>
        Interlocked.Exchange(ref _statusChange, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void OnSelfAddress(NymAddress address)
    {
        _selfAddress = address;
        _waiters.Complete(address);
        Volatile.Read(ref _ready).TrySetResult(address);
        SignalStatusChange();
    }

    public NymConnectionStatus GetStatus()
    {
        lock (_statusLock)
        {
            return new NymConnectionStatus(
                _clientUrl ?? Options.ClientUrl, _connected, _since, Interlocked.Read(ref _reconnects), _lastError, _lastErrorAt,
                SelfAddress?.ToString(), Interlocked.Read(ref _framesSent), Interlocked.Read(ref _framesReceived),
                Interlocked.Read(ref _badFrames), Outbound.Reader.Count);
        }
    }

    private async Task RefreshSelfAddressAsync(CancellationToken session)
    {
        try
        {
            var waiter = _waiters.ExpectSelfAddress();
            await EnqueueAsync(new OutboundFrame(SelfAddressRequest.Instance), session);
            await waiter.Task.WaitAsync(Options.ResponseTimeout, _time, session);
        }
        catch (Exception e) when (e is TimeoutException or NymUnavailableException or OperationCanceledException or ChannelClosedException)
        {
            if (!session.IsCancellationRequested)
            {
                RecordError($"no self address from nym-client: {Describe(e)}");
            }
        }
    }

    private void RecordError(string error)
    {
        lock (_statusLock)
        {
            _lastError = error;
            _lastErrorAt = _time.GetUtcNow();
        }
    }
}
