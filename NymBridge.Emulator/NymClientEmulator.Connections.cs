using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using NymBridge.Protocol;

namespace NymBridge.Emulator;

// One client at a time, as nym-client's listener: the slot is taken at TCP accept, before any
// handshake, and freed when that connection ends.
public sealed partial class NymClientEmulator
{
    private static readonly TimeSpan ConnectionEndTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly ReadGate _readGate = new();
    private bool _listening;
    private bool _refusing;
    private EmulatorConnection? _slot;
    private EmulatorSession? _session;
    private TaskCompletionSource _stateChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connectionsAccepted;
    private int _connectionsRefused;

    /// <summary>True from a client's websocket handshake until its connection is gone.</summary>
    public bool IsClientConnected
    {
        get
        {
            lock (_lock)
            {
                return _session is not null;
            }
        }
    }

    /// <summary>Websocket handshakes completed.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Connections shut down right after TCP accept: while another held the slot, while refusing, or while stopping.</summary>
    public int ConnectionsRefused => Volatile.Read(ref _connectionsRefused);

    /// <summary>While true, new connections are shut down before the handshake; a connected client stays.</summary>
    public void RefuseConnections(bool refuse)
    {
        lock (_lock)
        {
            _refusing = refuse;
        }
    }

    /// <summary>
    /// While true, the emulator stops reading every connection: requests go unanswered and so do
    /// websocket pings, which is how a client's keep-alive finds a hung nym-client. New
    /// connections get no handshake answer either. Drop and Stop still work.
    /// </summary>
    public void SetUnresponsive(bool unresponsive)
    {
        if (unresponsive)
        {
            _readGate.Close();
        }
        else
        {
            _readGate.Open();
        }
    }

    /// <summary>Aborts the current connection (TCP close, no close frame, as nym) and waits until its slot is free.</summary>
    public async Task DropConnectionAsync()
    {
        EmulatorConnection? connection;
        lock (_lock)
        {
            connection = _slot;
        }

        if (connection is null)
        {
            return;
        }

        EmulatorLog.DroppingConnection(_logger, "asked to");
        connection.Abort("dropped on request");
        await connection.Ended.WaitAsync(ConnectionEndTimeout).ConfigureAwait(false);
    }

    /// <summary>Completes when a client has completed its handshake (at once if one is connected).</summary>
    /// <exception cref="TimeoutException">No client connected in time.</exception>
    public Task WaitForClientAsync(TimeSpan timeout) =>
        WaitForStateAsync(() => _session is not null, timeout, "No client connected");

    /// <summary>
    /// Completes when no connection holds the slot (at once if none does): the last client is gone,
    /// what it left unwritten is held again, and a new client can connect.
    /// </summary>
    /// <exception cref="TimeoutException">A connection still held the slot when the time ran out.</exception>
    public Task WaitForDisconnectAsync(TimeSpan timeout) =>
        WaitForStateAsync(() => _slot is null, timeout, "A connection still held the slot");

    private async Task WaitForStateAsync(Func<bool> reached, TimeSpan timeout, string failure)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (reached())
                {
                    return;
                }

                changed = _stateChanged.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{failure} within {timeout}.");
            }
        }
    }

    // Called under _lock.
    private void SignalStateChanged()
    {
        var changed = _stateChanged;
        _stateChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private void SetListening(bool listening)
    {
        lock (_lock)
        {
            _listening = listening;
        }
    }

    private async Task CloseForConnectionsAsync()
    {
        EmulatorConnection? connection;
        lock (_lock)
        {
            _listening = false;
            connection = _slot;
        }

        if (connection is not null)
        {
            connection.Abort("the emulator is stopping");
            await connection.Ended.WaitAsync(ConnectionEndTimeout).ConfigureAwait(false);
        }
    }

    /// <summary>Kestrel connection middleware: takes the slot or shuts the connection down, then sniffs its frames.</summary>
    private ConnectionDelegate AdmitConnection(ConnectionDelegate next) => async context =>
    {
        var connection = new EmulatorConnection(context, new WebSocketFrameSniffer(RecordFrameSize));
        if (TryTakeSlot(connection) is { } refusal)
        {
            EmulatorLog.ConnectionRefused(_logger, refusal);
            context.Abort(new ConnectionAbortedException(refusal));
            connection.MarkEnded();
            return;
        }

        var transport = context.Transport;
        var input = new ObservedInputStream(transport.Input.AsStream(leaveOpen: true), connection, _readGate);
        var reader = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        context.Transport = new DuplexPipe(reader, transport.Output);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Transport = transport;
            await input.DisposeAsync().ConfigureAwait(false);
            lock (_lock)
            {
                if (_slot == connection)
                {
                    _slot = null;
                    SignalStateChanged();
                }
            }

            connection.MarkEnded();
        }
    };

    /// <returns>null when the connection got the slot, else why not.</returns>
    private string? TryTakeSlot(EmulatorConnection connection)
    {
        lock (_lock)
        {
            var refusal = !_listening ? "the emulator is stopping"
                : _refusing ? "refusing connections"
                : _slot is not null ? "another client holds the connection"
                : null;
            if (refusal is null)
            {
                _slot = connection;
            }
            else
            {
                _connectionsRefused++;
            }

            return refusal;
        }
    }

    private async Task HandleRequestAsync(HttpContext http)
    {
        EmulatorConnection? connection;
        lock (_lock)
        {
            connection = _slot?.Id == http.Connection.Id ? _slot : null;
        }

        if (connection is null || await TryAcceptWebSocketAsync(http).ConfigureAwait(false) is not { } socket)
        {
            // tungstenite's handshake fails on anything but an upgrade, and nym drops the socket without an answer.
            http.Abort();
            return;
        }

        using (socket)
        {
            using var session = new EmulatorSession(socket, connection, _handler, _recorder, push => Deliver(push, written: null), _options.TimeProvider, _logger);
            OpenSession(session);
            try
            {
                await session.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                await CloseSessionAsync(session).ConfigureAwait(false);
            }
        }
    }

    private async Task<WebSocket?> TryAcceptWebSocketAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return null;
        }

        try
        {
            return await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            EmulatorLog.ConnectionEnded(_logger, e);
            return null;
        }
    }

    private void OpenSession(EmulatorSession session)
    {
        int held;
        lock (_lock)
        {
            _session = session;
            _connectionsAccepted++;

            // nym announces the new handler to its received buffer, which flushes what it holds
            // before anything else; the handler starts out binary, so held messages always are.
            held = _held.Count;
            foreach (var push in _held)
            {
                session.TryEnqueue(OutboundFrame.For(push, WebSocketMessageType.Binary));
            }

            _held.Clear();
            SignalStateChanged();
        }

        EmulatorLog.ClientConnected(_logger, held);
    }

    private async Task CloseSessionAsync(EmulatorSession session)
    {
        // Completing the session's queue first makes every later delivery fall back to _held, so
        // prepending what the session never wrote keeps the original order.
        var unwritten = await session.FinishAsync().ConfigureAwait(false);
        int held;
        lock (_lock)
        {
            _held.InsertRange(0, unwritten.Select(frame => frame.Push).OfType<ReceivedResponse>());
            held = _held.Count;
            _session = null;
            SignalStateChanged();
        }

        foreach (var frame in unwritten)
        {
            if (frame.Push is not null)
            {
                frame.Written?.TrySetResult();
            }
            else
            {
                frame.Written?.TrySetException(new IOException("The connection dropped before the frame was written."));
            }
        }

        EmulatorLog.ClientDisconnected(_logger, held);
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
