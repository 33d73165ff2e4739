using System.Net.WebSockets;
using NymBridge.Protocol;

namespace NymBridge.Emulator;

// What reaches the client without being asked for: messages from the (emulated) mixnet, held while
// nobody is connected, and frames a test injects.
public sealed partial class NymClientEmulator
{
    private readonly List<ReceivedResponse> _held = [];

    /// <summary>
    /// Messages waiting for the next client: pushed while none was connected, or left unwritten by the last
    /// one (read it after <see cref="WaitForDisconnectAsync"/>). What was injected less this was written to a client.
    /// </summary>
    public int HeldMessages
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>
    /// Pushes a Received as if it came through the mixnet, in the format of the client's last
    /// request. With no client connected it is held and pushed right after the next handshake.
    /// </summary>
    /// <returns>Completes once the frame is written or held.</returns>
    public Task InjectReceivedAsync(ReadOnlyMemory<byte> message, SenderTag? senderTag = null)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Deliver(new ReceivedResponse(message.ToArray(), senderTag), written);
        return written.Task;
    }

    /// <summary>Pushes an Error to the connected client, in the format of its last request.</summary>
    /// <exception cref="InvalidOperationException">No client is connected.</exception>
    public Task InjectErrorAsync(ErrorKind kind, string message) =>
        Inject(format => OutboundFrame.For(new ErrorResponse(kind, message), format, NewWritten()));

    /// <summary>Sends arbitrary bytes as one websocket message, for tests of what the client does with garbage.</summary>
    /// <exception cref="InvalidOperationException">No client is connected.</exception>
    /// <param name="endOfMessage">false sends the bytes as the first frame of a message that is never finished, so a test can drop the connection mid-message.</param>
    public Task InjectRawAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type = WebSocketMessageType.Binary, bool endOfMessage = true)
    {
        if (type is not (WebSocketMessageType.Binary or WebSocketMessageType.Text))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Only data frames (Binary or Text) can be injected.");
        }

        var copy = frame.ToArray();
        return Inject(_ => new OutboundFrame(copy, type) { Written = NewWritten(), EndOfMessage = endOfMessage });
    }

    private Task Inject(Func<WebSocketMessageType, OutboundFrame> create)
    {
        lock (_lock)
        {
            if (_session is not { } session)
            {
                throw new InvalidOperationException("No client is connected to the emulator.");
            }

            var frame = create(session.Format);
            return session.TryEnqueue(frame)
                ? frame.Written!.Task
                : Task.FromException(new IOException("The connection dropped before the frame was written."));
        }
    }

    /// <summary>Routes a message from the mixnet: to the connected client, else into the held queue.</summary>
    private void Deliver(ReceivedResponse push, TaskCompletionSource? written)
    {
        lock (_lock)
        {
            if (_session is { } session && session.TryEnqueue(OutboundFrame.For(push, session.Format, written)))
            {
                return;
            }

            _held.Add(push);
        }

        written?.TrySetResult();
    }

    private static TaskCompletionSource NewWritten() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
