using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

public sealed partial class NymConnection
{
    private const int ReceiveBufferBytes = 64 * 1024;

    private async Task ReadLoopAsync(ClientWebSocket socket, CancellationToken session)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), session);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (result.EndOfMessage)
                {
                    // The common case: one read, one exactly-sized copy that the decoded message keeps.
                    await DispatchAsync(buffer.AsSpan(0, result.Count).ToArray(), result.MessageType, session);
                    continue;
                }

                var (closed, message) = await AssembleAsync(socket, buffer, result.Count, session);
                if (closed)
                {
                    return;
                }

                if (message is { } whole)
                {
                    await DispatchAsync(whole, result.MessageType, session);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Collects a message that spans several frames, up to <see cref="NymOptions.MaxInboundMessageBytes"/>.</summary>
    /// <returns>The message, or null when it was too large and skipped; Closed when the connection closed meanwhile.</returns>
    private async Task<(bool Closed, ReadOnlyMemory<byte>? Message)> AssembleAsync(ClientWebSocket socket, byte[] buffer, int firstCount, CancellationToken session)
    {
        var assembled = new ArrayBufferWriter<byte>(Math.Max(firstCount * 2, ReceiveBufferBytes));
        assembled.Write(buffer.AsSpan(0, firstCount));
        var oversized = false;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), session);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (true, null);
            }

            if (!oversized && (long)assembled.WrittenCount + result.Count > Options.MaxInboundMessageBytes)
            {
                // Keep reading to the end of the message, so the connection stays in step, but keep nothing.
                oversized = true;
                assembled = new ArrayBufferWriter<byte>(1);
            }

            if (!oversized)
            {
                assembled.Write(buffer.AsSpan(0, result.Count));
            }

            if (result.EndOfMessage)
            {
                break;
            }
        }

        if (oversized)
        {
            Interlocked.Increment(ref _badFrames);
            Log.OversizedMessage(_logger, Options.MaxInboundMessageBytes);
            return (false, null);
        }

        return (false, assembled.WrittenMemory);
    }

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type, CancellationToken session)
    {
        Interlocked.Increment(ref _framesReceived);
        ServerResponse? response;
        ProtocolError error;
        var decoded = type == WebSocketMessageType.Text
            ? TextCodec.TryDecodeResponse(Encoding.UTF8.GetString(frame.Span), out response, out error)
            : ResponseCodec.TryDecode(frame, out response, out error);
        if (!decoded)
        {
            Interlocked.Increment(ref _badFrames);
            Log.BadFrame(_logger, error.Kind, frame.Length);
            return;
        }

        switch (response)
        {
            case SelfAddressResponse self:
                OnSelfAddress(self.Address);
                break;
            case LaneQueueLengthResponse lane:
                if (!_waiters.Complete(lane))
                {
                    Log.UnclaimedLaneAnswer(_logger);
                }

                break;
            default:
                Log.Inbound(_logger, response!.Tag, frame.Length);
                await _inbound.AcceptAsync(response, _time.GetUtcNow(), session);
                break;
        }
    }
}
