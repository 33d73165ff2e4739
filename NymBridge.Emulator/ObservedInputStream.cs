namespace NymBridge.Emulator;

/// <summary>
/// The client-to-server byte stream of one connection as Kestrel reads it: every byte passes the
/// frame sniffer before the HTTP and websocket layers see it, and reads wait while the emulator
/// plays dead.
/// </summary>
internal sealed class ObservedInputStream(Stream inner, EmulatorConnection connection, ReadGate gate) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Aborted);
        await gate.WaitOpenAsync(linked.Token).ConfigureAwait(false);
        var read = await inner.ReadAsync(buffer, linked.Token).ConfigureAwait(false);

        // Bytes that arrived while the gate was closing stay with us until it opens again.
        await gate.WaitOpenAsync(linked.Token).ConfigureAwait(false);
        if (read > 0 && connection.Sniffer.Observe(buffer.Span[..read]) is { } violation)
        {
            connection.Abort(violation);
            throw new IOException($"Dropped the connection: {violation}.");
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Kestrel only reads asynchronously; a blocking read here would be a bug worth hearing about.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
