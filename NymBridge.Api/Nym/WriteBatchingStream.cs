namespace NymBridge.Api.Nym;

/// <summary>
/// The TCP stream under the websocket to nym-client. While the writer has a batch open, the
/// websocket's frame writes are collected here and go out in one socket write at
/// <see cref="FlushBatchAsync"/>; outside a batch (the handshake, keep-alive pings) every write
/// goes straight through. One socket write per batch instead of one per frame saves a syscall and
/// a wake-up of nym-client per message.
/// </summary>
/// <remarks>
/// The websocket serializes its own frame writes, but a keep-alive ping may be written while the
/// writer flushes; the gate keeps socket writes from overlapping and in order. A write that goes
/// through while bytes are held sends them first, and nothing is added to the batch until they are
/// on the socket: otherwise a frame added meanwhile would be dropped when the held count is reset.
/// </remarks>
internal sealed class WriteBatchingStream(Stream inner) : Stream
{
    /// <summary>More than this is not collected: what is held goes out, and the large write goes straight through after it.</summary>
    internal const int MaxBatchBytes = 64 * 1024;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _batch = GC.AllocateUninitializedArray<byte>(MaxBatchBytes);
    private int _batched;
    private bool _batching;
    // Held bytes are being written by a write that goes through: none may be added behind them until then.
    private bool _draining;
    private CancellationToken _batchDeadline;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Collects writes until <see cref="FlushBatchAsync"/>. Socket writes that cannot wait (a write
    /// larger than the batch) are cancelled by <paramref name="deadline"/>, whatever token their caller gave.
    /// </summary>
    public void BeginBatch(CancellationToken deadline)
    {
        lock (_lock)
        {
            _batching = true;
            _batchDeadline = deadline;
        }
    }

    /// <summary>Writes what the batch collected in one socket write and ends the batch.</summary>
    public async Task FlushBatchAsync(CancellationToken deadline)
    {
        await _gate.WaitAsync(deadline).ConfigureAwait(false);
        try
        {
            int count;
            lock (_lock)
            {
                // From here on a ping goes straight through, waiting at the gate behind these bytes.
                _batching = false;
                count = _batched;
            }

            if (count > 0)
            {
                await inner.WriteAsync(_batch.AsMemory(0, count), deadline).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                _batched = 0;
            }

            _gate.Release();
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CancellationToken deadline;
        lock (_lock)
        {
            if (CanAppend(buffer.Length))
            {
                buffer.Span.CopyTo(_batch.AsSpan(_batched));
                _batched += buffer.Length;
                return ValueTask.CompletedTask;
            }

            deadline = _batching ? _batchDeadline : cancellationToken;
        }

        return WriteThroughAsync(buffer, deadline);
    }

    private bool CanAppend(int length) => _batching && !_draining && _batched + length <= MaxBatchBytes;

    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Bytes held: the batch's own next frame did not fit, or a batch began while this write waited at the gate.
            // Either way they were written before this one, so they go first.
            var held = TakeHeld();
            if (held > 0)
            {
                try
                {
                    await inner.WriteAsync(_batch.AsMemory(0, held), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    EndDraining(written: false);
                    throw;
                }

                EndDraining(written: true);
            }

            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Under the gate: how many bytes are held; while they are written, writes go through (and wait at the gate) instead of joining them.</summary>
    private int TakeHeld()
    {
        lock (_lock)
        {
            _draining = _batched > 0;
            return _batched;
        }
    }

    /// <param name="written">False: the held bytes stay, so the batch's flush tries them again and fails on the broken socket, and its callers get the error, not a success.</param>
    private void EndDraining(bool written)
    {
        lock (_lock)
        {
            if (written)
            {
                _batched = 0;
            }

            _draining = false;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <remarks>The websocket and the handshake write asynchronously; this synchronous path only keeps the stream whole.</remarks>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            if (CanAppend(buffer.Length))
            {
                buffer.CopyTo(_batch.AsSpan(_batched));
                _batched += buffer.Length;
                return;
            }
        }

        _gate.Wait();
        try
        {
            var held = TakeHeld();
            if (held > 0)
            {
                try
                {
                    inner.Write(_batch, 0, held);
                }
                catch
                {
                    EndDraining(written: false);
                    throw;
                }

                EndDraining(written: true);
            }

            inner.Write(buffer);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    // Nothing is held outside a batch, and a batch ends only through FlushBatchAsync.
    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
