using Microsoft.Data.Sqlite;
using NymBridge.Api.Hosting;

namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox in one SQLite file, so a restart of the bridge loses nothing and keeps its seqs, queue
/// cursor and epoch.
/// </summary>
/// <remarks>
/// <para>
/// Durability: <c>journal_mode=WAL</c> with <c>synchronous=NORMAL</c>. A commit appends the
/// transaction's pages and a commit frame to the WAL file with write(2); only checkpoints fsync. The
/// written pages are in the operating system's page cache the moment the commit returns, so a killed
/// or crashed bridge process loses nothing that was committed: the next open replays the WAL. Only an
/// OS crash or power loss can roll back the last few commits (never corrupt the file; SQLite documents
/// WAL+NORMAL as safe from corruption). That buys batches without one fsync each (what a batch costs:
/// bench/NOTES.md). Use <c>synchronous=FULL</c> here if power-loss durability ever matters more.
/// </para>
/// <para>
/// One connection, serialized by a semaphore: the bridge has one writer (the inbox batch loop) and
/// short reads, and every statement is prepared once and reused. Running totals live in memory
/// (<see cref="GetStats"/> never touches the disk); retained events are always the unbroken range
/// FirstSeq..LastSeq, so the count follows from the two ends and only the byte total is kept in meta.
/// </para>
/// </remarks>
public sealed partial class SqliteInboxStore : IInboxStore
{
    private readonly string _path;
    private readonly RetentionPolicy _retention;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteConnection? _connection;
    private SqliteCheckpointer? _checkpointer;
    private Commands? _commands;
    private string? _epoch;
    private volatile InboxStats _stats = new(0, 0, 0, 0, 0, 0, 0);
    private bool _disposed;

    public SqliteInboxStore(InboxOptions options, ILogger<SqliteInboxStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = Path.GetFullPath(options.Path);
        _retention = RetentionPolicy.From(options);
        _logger = logger;
    }

    public string Epoch => _epoch ?? throw new InvalidOperationException("The inbox store is not initialized.");

    public string FilePath => _path;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null)
            {
                return;
            }

            // The inbox is the user's private messages: its folder 0700 and its files 0600.
            var connection = PrivateSqlite.Open(_path);
            try
            {
                Open(connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }

            _connection = connection;
            _commands = new Commands(connection);
            _checkpointer = SqliteCheckpointer.Start(connection, _path, _logger);
            Log.Opened(_logger, _path);
            var stats = _stats;
            Log.Recovered(_logger, stats.Count, stats.Bytes, stats.LastSeq, stats.QueueCursor);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var commands = Ready();
            var before = _stats;
            var last = before.LastSeq;
            var count = before.Count;
            var bytes = before.Bytes;
            var first = count > 0 ? before.FirstSeq : last + 1;
            var appended = new InboxEvent[events.Count];

            using var transaction = _connection!.BeginTransaction();
            commands.Enlist(transaction);
            for (var i = 0; i < events.Count; i++)
            {
                var stored = events[i] with { Seq = ++last };
                commands.Insert(stored);
                appended[i] = stored;
                count++;
                bytes += stored.Payload.Length;
            }

            // Retention (see RetentionPolicy), in the same transaction; the sizes are read only when it must evict.
            var eviction = _retention.Evict(count, bytes, before.QueueCursor, commands.SizesFrom(first));
            if (eviction.Evicted > 0)
            {
                commands.DeleteUpTo(eviction.LastEvictedSeq);
                first = eviction.LastEvictedSeq + 1;
            }

            var after = new InboxStats(
                eviction.Count, eviction.Bytes, first, last, before.QueueCursor, before.Dropped + eviction.Dropped, before.Evicted + eviction.Evicted);
            commands.SaveMeta(after);
            transaction.Commit();
            _checkpointer!.Written();
            _stats = after;
            return appended;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        if (afterSeq >= _stats.LastSeq)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var commands = Ready();
            commands.Enlist(null);
            return commands.ReadAfter(afterSeq, max);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var commands = Ready();
            commands.Enlist(null);
            return commands.Get(seq);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var commands = Ready();
            var before = _stats;
            if (before.QueueCursor >= before.LastSeq)
            {
                return new InboxTake([], before.QueueCursor);
            }

            using var transaction = _connection!.BeginTransaction();
            commands.Enlist(transaction);
            var events = commands.ReadAfter(before.QueueCursor, max);
            if (events.Count == 0)
            {
                return new InboxTake(events, before.QueueCursor);
            }

            var after = before with { QueueCursor = events[^1].Seq };
            commands.SaveMeta(after);
            transaction.Commit();
            _checkpointer!.Written();
            _stats = after;
            return new InboxTake(events, before.QueueCursor);
        }
        finally
        {
            _gate.Release();
        }
    }

    public InboxStats GetStats() => _stats;

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _commands?.Dispose();
            if (_checkpointer is not null)
            {
                await _checkpointer.DisposeAsync();
            }

            if (_connection is not null)
            {
                // Closing the last connection checkpoints the WAL into the database file and removes it.
                await _connection.DisposeAsync();
                Log.Closed(_logger, _path);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private Commands Ready()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _commands ?? throw new InvalidOperationException("The inbox store is not initialized.");
    }
}
