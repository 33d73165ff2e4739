using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NymBridge.Protocol;

namespace NymBridge.Emulator;

/// <summary>
/// One websocket client after its handshake: reads requests and answers them as nym-client's
/// handler does, and writes answers and pushes through a single writer.
/// </summary>
internal sealed class EmulatorSession(
    WebSocket socket,
    EmulatorConnection connection,
    RequestHandler handler,
    FrameRecorder? recorder,
    Action<ReceivedResponse> deliver,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private const int InitialBufferBytes = 64 * 1024;

    private readonly Channel<OutboundFrame> _outbound =
        Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _stopWriting = new();
    private Task _writer = Task.CompletedTask;
    private OutboundFrame? _inFlight;
    private volatile bool _closedByClient;
    private volatile bool _stopAfterCurrent;
    private int _format = (int)WebSocketMessageType.Binary;

    /// <summary>nym pushes Received in the format of the last request frame; binary until the first one.</summary>
    public WebSocketMessageType Format => (WebSocketMessageType)Volatile.Read(ref _format);

    /// <summary>Queues a frame for the writer; false once the session is finishing.</summary>
    public bool TryEnqueue(OutboundFrame frame) => _outbound.Writer.TryWrite(frame);

    /// <summary>Runs until the client goes away or the emulator drops it; the connection is aborted on the way out.</summary>
    public async Task RunAsync()
    {
        _writer = WriteLoopAsync();
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            EmulatorLog.ConnectionEnded(logger, e);
        }
        finally
        {
            // Whatever ended the session, nym's way out is the same: drop TCP, no close frame. After a
            // client's Close the drop is an ordinary close of the socket (nym's handler returns and the
            // socket is dropped), so what nym wrote before still reaches the client: the connection ends
            // when the request does, and Kestrel sends what is buffered before its FIN. An abort would discard it.
            if (!_closedByClient)
            {
                connection.Abort("the connection handler finished");
            }
        }
    }

    /// <summary>Stops the writer and returns what it never wrote, oldest first.</summary>
    public async Task<List<OutboundFrame>> FinishAsync()
    {
        _outbound.Writer.TryComplete();
        if (_closedByClient)
        {
            // The frame being written still goes out whole, so the ordinary close delivers it.
            _stopAfterCurrent = true;
            await _writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _stopWriting.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(false);

        var unwritten = new List<OutboundFrame>();
        if (_inFlight is { } interrupted)
        {
            unwritten.Add(interrupted);
        }

        while (_outbound.Reader.TryRead(out var frame))
        {
            unwritten.Add(frame);
        }

        return unwritten;
    }

    public void Dispose() => _stopWriting.Dispose();

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[InitialBufferBytes];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    if (length > (int)WebSocketFrameSniffer.MaxMessageBytes)
                    {
                        // The sniffer drops such a connection first; this only guards the buffer.
                        EmulatorLog.DroppingConnection(logger, "message over the size limit");
                        return;
                    }

                    // One byte over the limit, so a message of exactly the limit still ends with room to spare.
                    var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min((long)length * 2, (long)WebSocketFrameSniffer.MaxMessageBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    buffer = grown;
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(length), connection.Aborted).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // nym never answers a Close frame: its handler just stops and the socket is dropped.
                    _closedByClient = true;
                    return;
                }

                length += result.Count;
            }
            while (!result.EndOfMessage);

            var message = buffer.AsMemory(0, length);
            Record(result.MessageType, message);
            Handle(result.MessageType, message);
        }
    }

    private void Record(WebSocketMessageType type, ReadOnlyMemory<byte> message)
    {
        // Taken for every message, recorded or not, so the sniffer's counts stay in step.
        var frameCount = connection.Sniffer.TakeFrameCount();
        recorder?.Add(new RecordedFrame(type, message.ToArray(), time.GetUtcNow()) { FrameCount = frameCount });
    }

    private void Handle(WebSocketMessageType type, ReadOnlyMemory<byte> message)
    {
        // Like nym, every request frame, even a malformed one, sets the format of later pushes.
        Volatile.Write(ref _format, (int)type);
        var formatName = type == WebSocketMessageType.Text ? "Text" : "Binary";

        ClientRequest? request;
        ProtocolError error;
        var decoded = type == WebSocketMessageType.Text
            ? TextCodec.TryDecodeRequest(Encoding.UTF8.GetString(message.Span), out request, out error)
            : RequestCodec.TryDecode(message, out request, out error);

        ServerResponse? response;
        ReceivedResponse? loopback = null;
        if (decoded)
        {
            EmulatorLog.RequestReceived(logger, formatName, request!.Tag, message.Length);
            response = handler.Handle(request, out loopback);
        }
        else
        {
            EmulatorLog.RequestRejected(logger, formatName, message.Length, error.Kind);
            response = new ErrorResponse(error.Kind, error.Message);
        }

        if (response is not null)
        {
            TryEnqueue(OutboundFrame.For(response, type));
        }

        if (loopback is not null)
        {
            deliver(loopback);
        }
    }

    private async Task WriteLoopAsync()
    {
        var cancellationToken = _stopWriting.Token;
        try
        {
            while (!_stopAfterCurrent && await _outbound.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (!_stopAfterCurrent && _outbound.Reader.TryRead(out var frame))
                {
                    _inFlight = frame;
                    await socket.SendAsync(frame.Data, frame.Type, frame.EndOfMessage, cancellationToken).ConfigureAwait(false);
                    _inFlight = null;
                    frame.Written?.TrySetResult();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // nym takes a failed write as a dead connection.
            connection.Abort("a write failed");
        }
    }
}
