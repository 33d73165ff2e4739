using Microsoft.Data.Sqlite;
using NymBridge.Api.Hosting;
using NymBridge.Protocol;

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
/// WAL+NORMAL as safe from corruption). That buys batches without one fsync each: 1,000 events commit
/// in a few milliseconds. Use <c>synchronous=FULL</c> here if power-loss durability ever matters more.
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
    private const long SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY,
            type INTEGER NOT NULL,         -- InboxEventType: 0 received, 1 error
            received_at INTEGER NOT NULL,  -- UTC ticks (100 ns since 0001-01-01)
            payload BLOB NOT NULL,
            sender_tag BLOB NULL,          -- 16 bytes
            error_kind INTEGER NULL        -- nym's ErrorKind byte
        );
        CREATE TABLE IF NOT EXISTS meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            epoch TEXT NOT NULL,
            last_seq INTEGER NOT NULL,     -- never reused, also after eviction and restarts
            queue_cursor INTEGER NOT NULL, -- last seq taken by a queue read
            dropped INTEGER NOT NULL,      -- evicted before a queue read took them
            evicted INTEGER NOT NULL,
            bytes INTEGER NOT NULL         -- payload bytes retained, so opening needs no scan
        );
        """;

    private const string EventColumns = "seq, type, received_at, payload, sender_tag, error_kind";

    private readonly string _path;
    private readonly long _capacity;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteConnection? _connection;
    private Commands? _commands;
    private string? _epoch;
    private volatile InboxStats _stats = new(0, 0, 0, 0, 0, 0, 0);
    private bool _disposed;

    public SqliteInboxStore(InboxOptions options, ILogger<SqliteInboxStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = Path.GetFullPath(options.Path);
        _capacity = options.Capacity;
        _maxBytes = options.MaxBytes;
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

            // Retention, oldest first and never the newest (see IInboxStore), in the same transaction.
            long evicted = 0, dropped = 0;
            if (count > 1 && (count > _capacity || bytes > _maxBytes))
            {
                var upTo = first - 1;
                foreach (var (seq, size) in commands.SizesFrom(first))
                {
                    if (count <= 1 || (count <= _capacity && bytes <= _maxBytes))
                    {
                        break;
                    }

                    upTo = seq;
                    count--;
                    bytes -= size;
                    evicted++;
                    if (seq > before.QueueCursor)
                    {
                        dropped++;
                    }
                }

                commands.DeleteUpTo(upTo);
                first = upTo + 1;
            }

            var after = new InboxStats(count, bytes, first, last, before.QueueCursor, before.Dropped + dropped, before.Evicted + evicted);
            commands.SaveMeta(after);
            transaction.Commit();
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

    /// <summary>Sets the pragmas, creates or checks the schema, and loads meta into memory.</summary>
    private void Open(SqliteConnection connection)
    {
        var mode = Scalar(connection, "PRAGMA journal_mode=WAL;") as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite could not switch {_path} to WAL mode (got '{mode}'); the inbox needs a local file system.");
        }

        Execute(connection, "PRAGMA synchronous=NORMAL;");
        var version = (long)Scalar(connection, "PRAGMA user_version;")!;
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"{_path} has inbox schema {version}; this bridge knows {SchemaVersion}. Use a newer bridge or another Inbox:Path.");
        }

        using (var transaction = connection.BeginTransaction())
        {
            using var create = connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = Schema + $"""
                INSERT OR IGNORE INTO meta (id, epoch, last_seq, queue_cursor, dropped, evicted, bytes)
                VALUES (1, $epoch, 0, 0, 0, 0, 0);
                PRAGMA user_version = {SchemaVersion};
                """;
            create.Parameters.AddWithValue("$epoch", Guid.NewGuid().ToString("N"));
            create.ExecuteNonQuery();
            transaction.Commit();
        }

        using var read = connection.CreateCommand();
        read.CommandText = """
            SELECT epoch, last_seq, queue_cursor, dropped, evicted, bytes FROM meta WHERE id = 1;
            SELECT min(seq), max(seq) FROM events;
            """;
        using var reader = read.ExecuteReader();
        reader.Read();
        _epoch = reader.GetString(0);
        var lastSeq = reader.GetInt64(1);
        var cursor = reader.GetInt64(2);
        var dropped = reader.GetInt64(3);
        var evicted = reader.GetInt64(4);
        var bytes = reader.GetInt64(5);
        reader.NextResult();
        reader.Read();
        var (count, first) = reader.IsDBNull(0) ? (0L, 0L) : (reader.GetInt64(1) - reader.GetInt64(0) + 1, reader.GetInt64(0));
        if (count > 0 && reader.GetInt64(1) != lastSeq)
        {
            throw new InvalidOperationException($"{_path} is inconsistent: the newest event is {reader.GetInt64(1)} but meta says {lastSeq}.");
        }

        _stats = new InboxStats(count, bytes, first, lastSeq, cursor, dropped, evicted);
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The prepared statements, created once and reused for every operation.</summary>
    private sealed class Commands : IDisposable
    {
        private readonly SqliteCommand _insert;
        private readonly SqliteCommand _sizesFrom;
        private readonly SqliteCommand _deleteUpTo;
        private readonly SqliteCommand _readAfter;
        private readonly SqliteCommand _get;
        private readonly SqliteCommand _saveMeta;
        private readonly SqliteCommand[] _all;

        public Commands(SqliteConnection connection)
        {
            _insert = Create(connection, $"INSERT INTO events ({EventColumns}) VALUES ($seq, $type, $received_at, $payload, $sender_tag, $error_kind);",
                ("$seq", SqliteType.Integer), ("$type", SqliteType.Integer), ("$received_at", SqliteType.Integer),
                ("$payload", SqliteType.Blob), ("$sender_tag", SqliteType.Blob), ("$error_kind", SqliteType.Integer));
            // length() of a BLOB comes from the record header: SQLite does not read the payload's overflow pages.
            _sizesFrom = Create(connection, "SELECT seq, length(payload) FROM events WHERE seq >= $from ORDER BY seq;", ("$from", SqliteType.Integer));
            _deleteUpTo = Create(connection, "DELETE FROM events WHERE seq <= $up_to;", ("$up_to", SqliteType.Integer));
            _readAfter = Create(connection, $"SELECT {EventColumns} FROM events WHERE seq > $after ORDER BY seq LIMIT $max;",
                ("$after", SqliteType.Integer), ("$max", SqliteType.Integer));
            _get = Create(connection, $"SELECT {EventColumns} FROM events WHERE seq = $seq;", ("$seq", SqliteType.Integer));
            _saveMeta = Create(connection,
                "UPDATE meta SET last_seq = $last_seq, queue_cursor = $queue_cursor, dropped = $dropped, evicted = $evicted, bytes = $bytes WHERE id = 1;",
                ("$last_seq", SqliteType.Integer), ("$queue_cursor", SqliteType.Integer), ("$dropped", SqliteType.Integer),
                ("$evicted", SqliteType.Integer), ("$bytes", SqliteType.Integer));
            _all = [_insert, _sizesFrom, _deleteUpTo, _readAfter, _get, _saveMeta];
            foreach (var command in _all)
            {
                command.Prepare();
            }
        }

        /// <summary>Microsoft.Data.Sqlite wants the open transaction on every command that runs inside it.</summary>
        public void Enlist(SqliteTransaction? transaction)
        {
            foreach (var command in _all)
            {
                command.Transaction = transaction;
            }
        }

        public void Insert(InboxEvent e)
        {
            var p = _insert.Parameters;
            p[0].Value = e.Seq;
            p[1].Value = (int)e.Type;
            p[2].Value = e.ReceivedAt.UtcTicks;
            p[3].Value = ExactArray(e.Payload);
            p[4].Value = e.SenderTag is { } tag ? tag.ToArray() : DBNull.Value;
            p[5].Value = e.ErrorKind is { } kind ? (int)kind : DBNull.Value;
            _insert.ExecuteNonQuery();
        }

        public IEnumerable<(long Seq, long Size)> SizesFrom(long first)
        {
            _sizesFrom.Parameters[0].Value = first;
            using var reader = _sizesFrom.ExecuteReader();
            while (reader.Read())
            {
                yield return (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        public void DeleteUpTo(long seq)
        {
            _deleteUpTo.Parameters[0].Value = seq;
            _deleteUpTo.ExecuteNonQuery();
        }

        public List<InboxEvent> ReadAfter(long afterSeq, int max)
        {
            _readAfter.Parameters[0].Value = afterSeq;
            _readAfter.Parameters[1].Value = max;
            using var reader = _readAfter.ExecuteReader();
            var events = new List<InboxEvent>();
            while (reader.Read())
            {
                events.Add(ReadEvent(reader));
            }

            return events;
        }

        public InboxEvent? Get(long seq)
        {
            _get.Parameters[0].Value = seq;
            using var reader = _get.ExecuteReader();
            return reader.Read() ? ReadEvent(reader) : null;
        }

        public void SaveMeta(InboxStats stats)
        {
            var p = _saveMeta.Parameters;
            p[0].Value = stats.LastSeq;
            p[1].Value = stats.QueueCursor;
            p[2].Value = stats.Dropped;
            p[3].Value = stats.Evicted;
            p[4].Value = stats.Bytes;
            _saveMeta.ExecuteNonQuery();
        }

        public void Dispose()
        {
            foreach (var command in _all)
            {
                command.Dispose();
            }
        }

        private static SqliteCommand Create(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, type) in parameters)
            {
                command.Parameters.Add(name, type);
            }

            return command;
        }

        private static InboxEvent ReadEvent(SqliteDataReader reader) => new(
            reader.GetInt64(0),
            (InboxEventType)reader.GetInt32(1),
            new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
            reader.GetFieldValue<byte[]>(3),
            reader.IsDBNull(4) ? null : SenderTag.FromBytes(reader.GetFieldValue<byte[]>(4)),
            reader.IsDBNull(5) ? null : (ErrorKind)reader.GetInt32(5));

        // The parameter binds a whole array; a payload that is exactly one array needs no copy.
        private static byte[] ExactArray(ReadOnlyMemory<byte> payload) =>
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment)
            && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : payload.ToArray();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Inbox store opened at {Path}")]
        public static partial void Opened(ILogger logger, string path);

        [LoggerMessage(2, LogLevel.Debug, "Inbox store holds {Count} events ({Bytes} bytes), last seq {LastSeq}, queue cursor {QueueCursor}")]
        public static partial void Recovered(ILogger logger, long count, long bytes, long lastSeq, long queueCursor);

        [LoggerMessage(3, LogLevel.Information, "Inbox store at {Path} closed")]
        public static partial void Closed(ILogger logger, string path);
    }
}
