using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Webhook state in the inbox's SQLite file (its own tables, its own connection), so a restart or a
/// <c>kill -9</c> finds every endpoint's cursor, pending deliveries and reply claims where they were.
/// </summary>
/// <remarks>
/// Same durability as the inbox (WAL, <c>synchronous=NORMAL</c>: a killed process loses no commit).
/// Opened after the inbox store, which created the file and switched it to WAL; the two connections
/// take turns writing (SQLite allows one writer; Microsoft.Data.Sqlite waits on a busy file up to the
/// command timeout). One connection here, serialized by a semaphore.
/// </remarks>
public sealed class SqliteWebhookStateStore(string path) : IWebhookStateStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS webhook_endpoints (
            name TEXT PRIMARY KEY,
            cursor INTEGER NOT NULL,
            enabled INTEGER NOT NULL,
            disabled_reason TEXT NULL,
            delivered INTEGER NOT NULL, failed INTEGER NOT NULL, dropped INTEGER NOT NULL,
            replies_sent INTEGER NOT NULL, replies_refused INTEGER NOT NULL,
            last_success_at INTEGER NULL,  -- UTC ticks
            last_error_at INTEGER NULL, last_error_status INTEGER NULL, last_error_reason TEXT NULL
        );
        CREATE TABLE IF NOT EXISTS webhook_deliveries (
            endpoint TEXT NOT NULL, seq INTEGER NOT NULL,
            attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, failed INTEGER NOT NULL,
            error_at INTEGER NULL, error_status INTEGER NULL, error_reason TEXT NULL,
            PRIMARY KEY (endpoint, seq)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS webhook_attempts (
            endpoint TEXT NOT NULL, id INTEGER NOT NULL, webhook_id TEXT NOT NULL, seq INTEGER NOT NULL, attempt INTEGER NOT NULL,
            at INTEGER NOT NULL, duration_ms INTEGER NOT NULL, status INTEGER NULL, error TEXT NULL, response_bytes INTEGER NOT NULL, reply TEXT NOT NULL,
            PRIMARY KEY (endpoint, id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS webhook_replies (
            endpoint TEXT NOT NULL, seq INTEGER NOT NULL, expires_at INTEGER NOT NULL,
            PRIMARY KEY (endpoint, seq)
        ) WITHOUT ROWID;
        """;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;
    private bool _disposed;

    public string FilePath { get; } = Path.GetFullPath(path);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not null)
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = FilePath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
                DefaultTimeout = 30,
            }.ToString());
            try
            {
                connection.Open();
                Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
                Execute(connection, null, Schema);
            }
            catch
            {
                connection.Dispose();
                throw;
            }

            _connection = connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<WebhookSavedState?> LoadAsync(string endpoint, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var connection = Ready();
            WebhookEndpointRow? row = null;
            using (var command = Command(connection, null, "SELECT * FROM webhook_endpoints WHERE name = $e;", ("$e", endpoint)))
            using (var reader = command.ExecuteReader())
            {
                if (reader.Read())
                {
                    row = new WebhookEndpointRow(
                        reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2) != 0, NullableString(reader, 3),
                        reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8),
                        NullableTime(reader, 9), ReadError(reader, 10));
                }
            }

            if (row is null)
            {
                return null;
            }

            var deliveries = new List<WebhookDelivery>();
            using (var command = Command(connection, null,
                       "SELECT seq, attempts, next_attempt_at, failed, error_at, error_status, error_reason FROM webhook_deliveries WHERE endpoint = $e ORDER BY seq;",
                       ("$e", endpoint)))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    deliveries.Add(new WebhookDelivery(reader.GetInt64(0), reader.GetInt32(1), Time(reader.GetInt64(2)), reader.GetInt64(3) != 0, ReadError(reader, 4)));
                }
            }

            using var last = Command(connection, null, "SELECT coalesce(max(id), 0) FROM webhook_attempts WHERE endpoint = $e;", ("$e", endpoint));
            return new WebhookSavedState(row, deliveries, (long)last.ExecuteScalar()!);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task SaveAsync(WebhookStateChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var connection = Ready();
            using var transaction = connection.BeginTransaction();
            var e = change.Endpoint;
            Execute(connection, transaction, """
                INSERT OR REPLACE INTO webhook_endpoints VALUES ($name, $cursor, $enabled, $reason, $delivered, $failed, $dropped,
                    $replies_sent, $replies_refused, $last_success_at, $error_at, $error_status, $error_reason);
                """,
                ("$name", e.Name), ("$cursor", e.Cursor), ("$enabled", e.Enabled ? 1 : 0), ("$reason", e.DisabledReason),
                ("$delivered", e.Delivered), ("$failed", e.Failed), ("$dropped", e.Dropped), ("$replies_sent", e.RepliesSent),
                ("$replies_refused", e.RepliesRefused), ("$last_success_at", e.LastSuccessAt?.UtcTicks),
                ("$error_at", e.LastError?.At.UtcTicks), ("$error_status", e.LastError?.Status), ("$error_reason", e.LastError?.Reason));
            foreach (var seq in change.Deletes ?? [])
            {
                Execute(connection, transaction, "DELETE FROM webhook_deliveries WHERE endpoint = $e AND seq = $seq;", ("$e", e.Name), ("$seq", seq));
            }

            foreach (var d in change.Upserts ?? [])
            {
                Execute(connection, transaction, """
                    INSERT OR REPLACE INTO webhook_deliveries VALUES ($e, $seq, $attempts, $next, $failed, $error_at, $error_status, $error_reason);
                    """,
                    ("$e", e.Name), ("$seq", d.Seq), ("$attempts", d.Attempts), ("$next", d.NextAttemptAt.UtcTicks), ("$failed", d.Failed ? 1 : 0),
                    ("$error_at", d.LastError?.At.UtcTicks), ("$error_status", d.LastError?.Status), ("$error_reason", d.LastError?.Reason));
            }

            if (change.Attempt is { } a)
            {
                Execute(connection, transaction, """
                    INSERT INTO webhook_attempts VALUES ($e, $id, $webhook_id, $seq, $attempt, $at, $duration_ms, $status, $error, $response_bytes, $reply);
                    DELETE FROM webhook_attempts WHERE endpoint = $e AND id <= $id - $keep;
                    """,
                    ("$e", e.Name), ("$id", a.Id), ("$webhook_id", a.WebhookId), ("$seq", a.Seq), ("$attempt", a.Attempt), ("$at", a.At.UtcTicks),
                    ("$duration_ms", a.DurationMs), ("$status", a.Status), ("$error", a.Error), ("$response_bytes", a.ResponseBytes),
                    ("$reply", a.Reply), ("$keep", IWebhookStateStore.MaxAttempts));
            }

            transaction.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> ClaimReplyAsync(string endpoint, long seq, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var connection = Ready();
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, "DELETE FROM webhook_replies WHERE endpoint = $e AND expires_at < $now;", ("$e", endpoint), ("$now", now.UtcTicks));
            var inserted = Execute(connection, transaction, "INSERT OR IGNORE INTO webhook_replies VALUES ($e, $seq, $expires);",
                ("$e", endpoint), ("$seq", seq), ("$expires", expiresAt.UtcTicks));
            transaction.Commit();
            return inserted == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(string endpoint, long afterId, int max, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = Command(Ready(), null, """
                SELECT id, webhook_id, seq, attempt, at, duration_ms, status, error, response_bytes, reply
                FROM webhook_attempts WHERE endpoint = $e AND id > $after ORDER BY id LIMIT $max;
                """, ("$e", endpoint), ("$after", afterId), ("$max", max));
            using var reader = command.ExecuteReader();
            var attempts = new List<WebhookAttempt>();
            while (reader.Read())
            {
                attempts.Add(new WebhookAttempt(
                    reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), Time(reader.GetInt64(4)), reader.GetInt64(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6), NullableString(reader, 7), reader.GetInt64(8), reader.GetString(9)));
            }

            return attempts;
        }
        finally
        {
            _gate.Release();
        }
    }

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
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteConnection Ready()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _connection ?? throw new InvalidOperationException("The webhook state store is not initialized.");
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private static DateTimeOffset? NullableTime(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : Time(reader.GetInt64(i));

    private static string? NullableString(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static WebhookError? ReadError(SqliteDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : new WebhookError(Time(reader.GetInt64(i)), reader.IsDBNull(i + 1) ? null : reader.GetInt32(i + 1), reader.GetString(i + 2));
}
