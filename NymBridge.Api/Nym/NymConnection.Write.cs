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

    /// <summary>At most this many frames share one socket write, so a steady stream of sends still gets its answers in bounded time.</summary>
    private const int MaxBatchFrames = 256;

    public async Task SendAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        // One read for both refusals (stopping, turn given up), as cheap as the one flag it replaced.
        if (Volatile.Read(ref _refusing) != Accepting)
        {
            throw Refusal();
        }

        if (!_connected)
        {
            throw new NymUnavailableException("nym-client is not connected; the bridge is reconnecting.");
        }

        var frame = new OutboundFrame(request);
        if (!Outbound.Writer.TryWrite(frame))
        {
            if (Volatile.Read(ref _refusing) != Accepting)
            {
                throw Refusal(); // the queue closed for the stop or the end of the turn after the check above
            }

            throw new NymUnavailableException($"The outbound queue is full ({Options.OutboundQueueCapacity} frames waiting for nym-client).");
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
            return await waiter.Task.WaitAsync(Options.ResponseTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new NymUnavailableException($"nym-client did not report the queue length of lane {lane} within {Options.ResponseTimeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            _waiters.Forget(lane, waiter);
        }
    }

    private async Task EnqueueAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        await Outbound.Writer.WriteAsync(frame, cancellationToken);
        await AwaitWrittenAsync(frame, cancellationToken);
    }

    private async Task AwaitWrittenAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await frame.Written.WaitAsync(Options.ResponseTimeout, _time, cancellationToken);
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
                throw new NymUnavailableException($"nym-client did not take the frame within {Options.ResponseTimeout.TotalSeconds:0.#} s.");
            }

            throw;
        }
    }

    private async Task WriteLoopAsync(ClientWebSocket socket, WriteBatchingStream stream, CancellationToken session)
    {
        var reader = Outbound.Reader;
        var buffer = ArrayPool<byte>.Shared.Rent(CoalesceLimit);
        var batch = new List<OutboundFrame>(MaxBatchFrames);

        // A write that does not finish in time means nym-client stopped reading: treat it as a drop.
        // Cancelling a socket write aborts the connection, so a half-written batch is never delivered,
        // and its callers' 503 is the truth.
        using var deadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time); // its CancelAfter runs on _time
        using var sessionEnded = session.Register(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
        try
        {
            while (await reader.WaitToReadAsync(session))
            {
                // Everything queued by now goes out in one socket write; its callers learn of it after that write.
                batch.Clear();
                deadline.CancelAfter(Options.ResponseTimeout);
                stream.BeginBatch(deadline.Token);
                try
                {
                    while (batch.Count < MaxBatchFrames && reader.TryRead(out var frame))
                    {
                        if (frame.TryClaim())
                        {
                            batch.Add(frame);
                            await WriteFrameAsync(socket, frame.Request, buffer, deadline.Token);
                        }
                    }

                    await stream.FlushBatchAsync(deadline.Token);
                }
                catch (Exception e)
                {
                    var reason = deadline.IsCancellationRequested && !session.IsCancellationRequested
                        ? $"nym-client did not take the frame within {Options.ResponseTimeout.TotalSeconds:0.#} s"
                        : Describe(e);
                    var error = new NymUnavailableException($"The frame could not be written to nym-client ({reason}).", e);
                    foreach (var frame in batch)
                    {
                        frame.Fail(error);
                    }

                    throw new IOException(reason, e);
                }

                Interlocked.Add(ref _framesSent, batch.Count);
                foreach (var frame in batch)
                {
                    frame.MarkWritten();
                }

                // Disarmed, not TryReset: that fails on a TimeProvider's timer. Cancelled means the time or the session ran out.
                deadline.CancelAfter(Timeout.InfiniteTimeSpan);
                if (deadline.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <remarks>
    /// The frames land in the batch, or go straight to the socket when they do not fit. The deadline
    /// also covers the wait for a keep-alive ping the websocket is writing to a stalled nym-client.
    /// </remarks>
    private static async Task WriteFrameAsync(ClientWebSocket socket, ClientRequest request, byte[] buffer, CancellationToken deadline)
    {
        var payload = RequestCodec.GetPayload(request);
        var header = RequestCodec.EncodeHeader(request, buffer);
        if (header + payload.Length <= buffer.Length)
        {
            payload.Span.CopyTo(buffer.AsSpan(header));
            await socket.SendAsync(buffer.AsMemory(0, header + payload.Length), WebSocketMessageType.Binary, endOfMessage: true, deadline);
            return;
        }

        await socket.SendAsync(buffer.AsMemory(0, header), WebSocketMessageType.Binary, endOfMessage: false, deadline);
        for (var offset = 0; offset < payload.Length; offset += MaxFrameBytes)
        {
            var chunk = payload.Slice(offset, Math.Min(MaxFrameBytes, payload.Length - offset));
            await socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: offset + chunk.Length == payload.Length, deadline);
        }
    }

    private void FailQueued(Exception error)
    {
        while (Outbound.Reader.TryRead(out var frame))
        {
            if (frame.TryClaim())
            {
                frame.Fail(error);
            }
        }
    }
}
