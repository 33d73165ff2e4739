using NymBridge.Api.Nym;

namespace NymBridge.Tests.Nym;

public class WriteBatchingStreamTests
{
    [Fact]
    public async Task Writes_in_a_batch_reach_the_socket_in_one_write_at_the_flush()
    {
        var socket = new RecordingStream();
        await using var stream = new WriteBatchingStream(socket);

        stream.BeginBatch(CancellationToken.None);
        await stream.WriteAsync(new byte[] { 1, 2 });
        await stream.WriteAsync(new byte[] { 3 });
        Assert.Empty(socket.Writes);

        await stream.FlushBatchAsync(CancellationToken.None);
        Assert.Equal([[1, 2, 3]], socket.Writes);
    }

    [Fact]
    public async Task Outside_a_batch_a_write_goes_straight_through()
    {
        var socket = new RecordingStream();
        await using var stream = new WriteBatchingStream(socket);

        // What the websocket's keep-alive does between batches: a ping must not wait for the next send.
        await stream.WriteAsync(new byte[] { 0x89, 0 });
        Assert.Equal([[0x89, 0]], socket.Writes);
    }

    [Fact]
    public async Task A_write_too_large_for_the_batch_goes_out_after_what_the_batch_holds()
    {
        var socket = new RecordingStream();
        await using var stream = new WriteBatchingStream(socket);
        var large = new byte[WriteBatchingStream.MaxBatchBytes];

        stream.BeginBatch(CancellationToken.None);
        await stream.WriteAsync(new byte[] { 1 });
        await stream.WriteAsync(large);
        await stream.WriteAsync(new byte[] { 2 });
        await stream.FlushBatchAsync(CancellationToken.None);

        Assert.Equal([[1], large, [2]], socket.Writes);
    }

    [Fact]
    public async Task A_failed_flush_throws_so_the_batch_is_not_reported_written()
    {
        var socket = new RecordingStream { Fail = true };
        await using var stream = new WriteBatchingStream(socket);

        stream.BeginBatch(CancellationToken.None);
        await stream.WriteAsync(new byte[] { 1 });

        await Assert.ThrowsAsync<IOException>(() => stream.FlushBatchAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_stalled_socket_write_gives_up_at_the_batch_deadline()
    {
        var socket = new RecordingStream { Stall = true };
        await using var stream = new WriteBatchingStream(socket);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        stream.BeginBatch(deadline.Token);
        await stream.WriteAsync(new byte[] { 1 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.FlushBatchAsync(deadline.Token)).DefaultTimeout();
    }

    [Fact]
    public async Task Writes_racing_a_flush_never_interleave()
    {
        var socket = new RecordingStream { Delay = true };
        await using var stream = new WriteBatchingStream(socket);
        var pings = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await stream.WriteAsync(new byte[] { 0xEE, 0xEE });
            }
        });

        for (var i = 0; i < 200; i++)
        {
            stream.BeginBatch(CancellationToken.None);
            await stream.WriteAsync(new byte[] { 0xAA, (byte)i });
            await stream.WriteAsync(new byte[] { 0xBB, (byte)i });
            await stream.FlushBatchAsync(CancellationToken.None);
        }

        await pings;
        var bytes = socket.Writes.SelectMany(w => w).ToArray();
        var pairs = Enumerable.Range(0, bytes.Length / 2).Select(i => (bytes[2 * i], bytes[2 * i + 1])).ToList();
        Assert.Equal(200, pairs.Count(p => p == (0xEE, 0xEE)));
        Assert.Equal(Enumerable.Range(0, 200).SelectMany(i => new[] { (0xAA, i), (0xBB, i) }),
            pairs.Where(p => p.Item1 != 0xEE).Select(p => ((int)p.Item1, (int)p.Item2)));
    }

    [Fact]
    public async Task A_write_made_while_held_bytes_go_through_is_not_dropped()
    {
        var socket = new RecordingStream { HoldFirstWrite = true };
        await using var stream = new WriteBatchingStream(socket);
        var large = new byte[WriteBatchingStream.MaxBatchBytes];

        stream.BeginBatch(CancellationToken.None);
        await stream.WriteAsync(new byte[] { 1 });
        // A frame too large for the batch goes through, the held byte first: that socket write stalls.
        var through = stream.WriteAsync(large).AsTask();
        await socket.FirstWriteStarted.DefaultTimeout();
        // Written while the held byte is on its way: it must neither join bytes that are being written nor be lost.
        var during = stream.WriteAsync(new byte[] { 2 }).AsTask();
        socket.ReleaseFirstWrite();
        await Task.WhenAll(through, during).DefaultTimeout();
        await stream.FlushBatchAsync(CancellationToken.None);

        Assert.Equal([[1], large, [2]], socket.Writes);
    }

    private sealed class RecordingStream : Stream
    {
        private readonly Lock _lock = new();
        private readonly List<byte[]> _writes = [];
        private int _active;

        public bool Fail { get; init; }
        public bool Stall { get; init; }
        public bool Delay { get; init; }
        public bool HoldFirstWrite { get; init; }

        private readonly TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstWriteReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public Task FirstWriteStarted => _firstWriteStarted.Task;

        public void ReleaseFirstWrite() => _firstWriteReleased.TrySetResult();

        public List<byte[]> Writes
        {
            get
            {
                lock (_lock)
                {
                    return [.. _writes];
                }
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Assert.Equal(1, Interlocked.Increment(ref _active));
            try
            {
                if (Fail)
                {
                    throw new IOException("connection reset");
                }

                if (Stall)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                if (Delay)
                {
                    await Task.Yield();
                }

                if (HoldFirstWrite && Interlocked.Increment(ref _started) == 1)
                {
                    _firstWriteStarted.TrySetResult();
                    await _firstWriteReleased.Task;
                }

                lock (_lock)
                {
                    _writes.Add(buffer.ToArray());
                }
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
