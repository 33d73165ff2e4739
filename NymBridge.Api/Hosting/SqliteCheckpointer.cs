using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Hosting;

/// <summary>
/// Copies a SQLite file's WAL back into the database on a connection of its own, shortly after writes, so
/// that the writer never does it inside a commit.
/// </summary>
/// <remarks>
/// <para>
/// SQLite's automatic checkpoint runs in the connection whose commit took the WAL past 1,000 pages, and with
/// <c>synchronous=NORMAL</c> a checkpoint is where the fsyncs are: one commit in a few hundred paid a few
/// milliseconds for everyone's writes (bench/NOTES.md, 7c). A <c>PASSIVE</c> checkpoint on another connection
/// takes no lock a writer needs, so commits go on while it copies and syncs.
/// </para>
/// <para>
/// The writer keeps a backstop (<see cref="BackstopPages"/>): should this connection ever fall behind a
/// sustained write load, the writer checkpoints itself once the WAL is that long, as before, and the file
/// stays bounded. Durability is unchanged: commits are in the WAL either way.
/// </para>
/// </remarks>
public sealed partial class SqliteCheckpointer : IAsyncDisposable
{
    /// <summary>The writer's own <c>wal_autocheckpoint</c>: about 64 MiB of 4 KiB pages.</summary>
    public const int BackstopPages = 16_384;

    /// <summary>How long after a write the checkpoint runs: the writes of that time share one.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromMilliseconds(200);

    private readonly SqliteConnection _connection;
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<bool> _written = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private SqliteCheckpointer(SqliteConnection connection, TimeSpan delay, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _delay = delay;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Sets the writer's backstop on <paramref name="writer"/> and opens the checkpointing connection to the same file
    /// (already in WAL mode).
    /// </summary>
    public static SqliteCheckpointer Start(SqliteConnection writer, string path, ILogger logger, TimeProvider? time = null, TimeSpan? delay = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        using (var command = writer.CreateCommand())
        {
            command.CommandText = $"PRAGMA wal_autocheckpoint={BackstopPages};";
            command.ExecuteNonQuery();
        }

        return new SqliteCheckpointer(PrivateSqlite.Open(path), delay ?? DefaultDelay, time ?? TimeProvider.System, logger);
    }

    /// <summary>Called after a commit: a checkpoint follows within the delay. Never blocks.</summary>
    public void Written() => _written.Writer.TryWrite(true);

    /// <summary>
    /// Stops and closes this connection, first: the writer's connection, closed after it as the last one, then
    /// checkpoints everything and removes the WAL, as SQLite does on a last close.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _connection.DisposeAsync();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var stopping = _stop.Token;
        try
        {
            while (await _written.Reader.WaitToReadAsync(stopping))
            {
                await Task.Delay(_delay, _time, stopping);
                _written.Reader.TryRead(out _); // writes from here on ask for the next one
                Checkpoint();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Checkpoint()
    {
        try
        {
            using var command = _connection.CreateCommand();
            // PASSIVE: copies what no reader still needs, never waits for a lock, never blocks a writer.
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            // A failed checkpoint loses nothing (the WAL holds the commits): the next write tries again, and the
            // writer's backstop bounds the file meanwhile.
            Log.Failed(_logger, e.SqliteErrorCode);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(17001, LogLevel.Warning, "A background WAL checkpoint failed (SQLite error {Code}); the next write tries again", EventName = "CheckpointFailed")]
        public static partial void Failed(ILogger logger, int code);
    }
}
