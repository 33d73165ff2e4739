using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Inbox;

/// <summary>The inbox file's schema, and opening it: pragmas, schema check, meta into memory.</summary>
public sealed partial class SqliteInboxStore
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
}
