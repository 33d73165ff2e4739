using System.Net.WebSockets;
using NymBridge.Api.Shutdown;

namespace NymBridge.Api.Nym;

/// <remarks>
/// A graceful stop, in two steps. When it begins (<see cref="OnShutdownStarted"/>), new sends are refused
/// with a 503 while the writer goes on: the server is still waiting for the sends it already queued. When
/// the host then stops this service, the queue is closed, the writer writes what it holds, and the socket
/// is closed the way nym-client expects: a Close frame, then reading on until nym-client drops the socket,
/// so every message it pushed before that reaches the inbox. Only the host's shutdown timeout cuts this short.
/// </remarks>
public sealed partial class NymConnection : IShutdownParticipant
{
    private readonly CancellationTokenSource _finishing = new();
    private CancellationToken _stopDeadline;
    private volatile bool _disposed;

    public void OnShutdownStarted() => Interlocked.Exchange(ref _refusing, RefusingForShutdown);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        OnShutdownStarted();
        Outbound.Writer.TryComplete();
        if (_disposed)
        {
            // A host that is stopped again after its container disposed it (WebApplicationFactory does).
            return;
        }

        _stopDeadline = cancellationToken;
        await _finishing.CancelAsync();
        if (ExecuteTask is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Cancels the stopping token: whatever is still running (only after the timeout) is aborted.
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _disposed = true;
        _finishing.Dispose();
        base.Dispose();
    }

    /// <summary>After the writer wrote the last queued frame: a Close frame, then read until nym-client drops the socket.</summary>
    /// <remarks>The reader goes on appending what arrives meanwhile, so frames nym-client had in flight are kept.</remarks>
    private static async Task CloseGracefullyAsync(ClientWebSocket socket, Task reader, CancellationToken deadline)
    {
        // nym-client never answers a Close frame; it just drops the socket, at once. Only the caller's deadline
        // bounds a nym-client that does not.
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "The bridge is giving up the connection.", deadline);
            await reader.WaitAsync(deadline);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Dropped, or out of time: either way the session ends here.
        }
    }
}
