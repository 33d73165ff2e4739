using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;

namespace NymBridge.Emulator;

/// <summary>
/// One accepted TCP connection. It holds the emulator's single connection slot from TCP accept
/// until it ends, as nym-client's listener does, handshake or not.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The token source has no timer and no wait handle, so it holds nothing to release; disposing it would race with Abort.")]
internal sealed class EmulatorConnection(ConnectionContext context, WebSocketFrameSniffer sniffer)
{
    private readonly CancellationTokenSource _aborted = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _abortRequested;

    public string Id => context.ConnectionId;

    public WebSocketFrameSniffer Sniffer => sniffer;

    /// <summary>Cancelled when the emulator drops this connection.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Completes once the connection is over and its slot is free again.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Closes TCP without a close frame or HTTP answer: how nym-client ends every connection.</summary>
    public void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _abortRequested, 1) != 0 || _ended.Task.IsCompleted)
        {
            return;
        }

        _aborted.Cancel();
        context.Abort(new ConnectionAbortedException(reason));
    }

    public void MarkEnded() => _ended.TrySetResult();
}
