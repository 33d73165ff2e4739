using System.Buffers;
using System.Net.WebSockets;
using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

public sealed partial class NymConnection
{
    /// <summary>nym-client (tungstenite) refuses frames over 16 MiB; large payloads go out as continuation frames of this size.</summary>
    internal const int MaxFrameBytes = 4 * 1024 * 1024;

    /// <summary>Up to this size a request is copied behind its header and sent as one frame; above it the payload is sent from where it lies.</summary>
    private const int CoalesceLimit = 64 * 1024;

    public async Task SendAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        if (!_connected)
        {
            throw new NymUnavailableException("nym-client is not connected; the bridge is reconnecting.");
        }

        var frame = new OutboundFrame(request);
        if (!_outbound.Writer.TryWrite(frame))
        {
            throw new NymUnavailableException($"The outbound queue is full ({_options.OutboundQueueCapacity} frames waiting for nym-client).");
        }

        await AwaitWrittenAsync(frame, cancellationToken);
    }

    public async Task<LaneQueueLengthResponse> SendForLaneAsync(ClientRequest request, ulong lane, CancellationToken cancellationToken)
    {
        // Registered before the write: the answer can arrive before SendAsync returns.
        var waiter = _waiters.ExpectLane(lane);
        try
        {
            await SendAsync(request, cancellationToken);
            return await waiter.Task.WaitAsync(_options.ResponseTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new NymUnavailableException($"nym-client did not report the queue length of lane {lane} within {_options.ResponseTimeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            _waiters.Forget(lane, waiter);
        }
    }

    private async Task EnqueueAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        await _outbound.Writer.WriteAsync(frame, cancellationToken);
        await AwaitWrittenAsync(frame, cancellationToken);
    }

    private async Task AwaitWrittenAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await frame.Written.WaitAsync(_options.ResponseTimeout, _time, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (!frame.TryAbandon())
            {
                // The writer has it on the wire already; report what really happened.
                await frame.Written;
                return;
            }

            if (e is TimeoutException)
            {
                throw new NymUnavailableException($"nym-client did not take the frame within {_options.ResponseTimeout.TotalSeconds:0.#} s.");
            }

            throw;
        }
    }

    private async Task WriteLoopAsync(ClientWebSocket socket, CancellationToken session)
    {
        var reader = _outbound.Reader;
        var buffer = ArrayPool<byte>.Shared.Rent(CoalesceLimit);

        // A write that does not finish in time means nym-client stopped reading: treat it as a drop.
        // Cancelling a websocket send aborts the socket, so the half-written message is never delivered,
        // and its caller's 503 is the truth.
        using var deadline = new CancellationTokenSource();
        using var sessionEnded = session.Register(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
        try
        {
            while (await reader.WaitToReadAsync(session))
            {
                while (reader.TryRead(out var frame))
                {
                    if (!frame.TryClaim())
                    {
                        continue;
                    }

                    try
                    {
                        deadline.CancelAfter(_options.ResponseTimeout);
                        await WriteFrameAsync(socket, frame.Request, buffer, deadline.Token);
                    }
                    catch (Exception e)
                    {
                        var reason = e is OperationCanceledException && !session.IsCancellationRequested
                            ? $"nym-client did not take the frame within {_options.ResponseTimeout.TotalSeconds:0.#} s"
                            : Describe(e);
                        frame.Fail(new NymUnavailableException($"The frame could not be written to nym-client ({reason}).", e));
                        throw new IOException(reason, e);
                    }

                    Interlocked.Increment(ref _framesSent);
                    frame.MarkWritten();
                    if (!deadline.TryReset())
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task WriteFrameAsync(ClientWebSocket socket, ClientRequest request, byte[] buffer, CancellationToken session)
    {
        var payload = RequestCodec.GetPayload(request);
        var header = RequestCodec.EncodeHeader(request, buffer);
        if (header + payload.Length <= buffer.Length)
        {
            payload.Span.CopyTo(buffer.AsSpan(header));
            await socket.SendAsync(buffer.AsMemory(0, header + payload.Length), WebSocketMessageType.Binary, endOfMessage: true, session);
            return;
        }

        await socket.SendAsync(buffer.AsMemory(0, header), WebSocketMessageType.Binary, endOfMessage: false, session);
        for (var offset = 0; offset < payload.Length; offset += MaxFrameBytes)
        {
            var chunk = payload.Slice(offset, Math.Min(MaxFrameBytes, payload.Length - offset));
            await socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: offset + chunk.Length == payload.Length, session);
        }
    }

    private void FailQueued(Exception error)
    {
        while (_outbound.Reader.TryRead(out var frame))
        {
            if (frame.TryClaim())
            {
                frame.Fail(error);
            }
        }
    }
}
