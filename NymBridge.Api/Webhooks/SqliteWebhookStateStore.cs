using Microsoft.Data.Sqlite;
using NymBridge.Api.Hosting;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Webhook state in its own SQLite file next to the inbox's (<see cref="PathFor"/>), so a restart or a
/// <c>kill -9</c> finds every endpoint's cursor, pending deliveries and reply claims where they were.
/// </summary>
/// <remarks>
/// <para>
/// Same durability as the inbox (WAL, <c>synchronous=NORMAL</c>: a killed process loses no commit; only an
/// OS crash or power loss can lose the last ones).
/// </para>
/// <para>
/// Not in the inbox's file: SQLite has one writer per file, and Microsoft.Data.Sqlite answers a busy file by
/// sleeping 150 ms before it tries again, so two connections writing one file made every collision cost an
/// inbox batch or a delivery 150 ms (p99 of an event's way to its webhook: 400 ms). The state names seqs of
/// one inbox, so it records that inbox's epoch and forgets itself when the inbox file was replaced.
/// </para>
/// <para>One connection, serialized by a semaphore; the hot statements stay prepared.</para>
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
        CREATE TABLE IF NOT EXISTS webhook_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS webhook_replies (
            endpoint TEXT NOT NULL, seq INTEGER NOT NULL, expires_at INTEGER NOT NULL,
            PRIMARY KEY (endpoint, seq)
        ) WITHOUT ROWID;
        """;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;
    private Commands? _commands;
    private bool _disposed;

    public string FilePath { get; } = Path.GetFullPath(path);

    /// <summary>The webhook state file of an inbox file: <c>inbox.db</c> → <c>inbox-webhooks.db</c>, in the same folder.</summary>
    public static string PathFor(string inboxPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(inboxPath))!,
            Path.GetFileNameWithoutExtension(inboxPath) + "-webhooks" + Path.GetExtension(inboxPath));

    public async Task InitializeAsync(string epoch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not null)
            {
                return;
            }

            // The state names the user's events and endpoints: private as the inbox is.
            var connection = PrivateSqlite.Open(FilePath);
            try
            {
                // busy_timeout: should anything else open the file, SQLite's own short waits, not 150 ms sleeps.
                Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
                Execute(connection, null, Schema);
                ForgetOtherEpoch(connection, epoch);
            }
            catch
            {
                connection.Dispose();
                throw;
            }

            _connection = connection;
            _commands = new Commands(connection);
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

    public async Task SaveAsync(IReadOnlyList<WebhookStateChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var connection = Ready();
            var commands = _commands!;
            using var transaction = connection.BeginTransaction();
            commands.Enlist(transaction);
            // Each change carries the whole endpoint row: the last one of each endpoint is its state after all of them.
            var rows = new Dictionary<string, WebhookEndpointRow>(StringComparer.Ordinal);
            var lastAttempts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var change in changes)
            {
                var name = change.Endpoint.Name;
                rows[name] = change.Endpoint;
                foreach (var seq in change.Deletes ?? [])
                {
                    commands.DeleteDelivery(name, seq);
                }

                foreach (var d in change.Upserts ?? [])
                {
                    commands.UpsertDelivery(name, d);
                }

                if (change.Attempt is { } a)
                {
                    commands.InsertAttempt(name, a);
                    lastAttempts[name] = a.Id;
                }
            }

            foreach (var row in rows.Values)
            {
                commands.UpsertEndpoint(row);
            }

            foreach (var (name, id) in lastAttempts)
            {
                commands.TrimAttempts(name, id - IWebhookStateStore.MaxAttempts);
            }

            transaction.Commit();
        }
        finally
        {
            _commands?.Enlist(null);
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
            _commands?.Dispose();
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

    private static void ForgetOtherEpoch(SqliteConnection connection, string epoch)
    {
        using var transaction = connection.BeginTransaction();
        using (var read = Command(connection, transaction, "SELECT value FROM webhook_meta WHERE key = 'epoch';"))
        {
            if (read.ExecuteScalar() as string == epoch)
            {
                return;
            }
        }

        Execute(connection, transaction, """
            DELETE FROM webhook_endpoints; DELETE FROM webhook_deliveries; DELETE FROM webhook_attempts; DELETE FROM webhook_replies;
            INSERT OR REPLACE INTO webhook_meta VALUES ('epoch', $epoch);
            """, ("$epoch", epoch));
        transaction.Commit();
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

    /// <summary>The statements of <see cref="SaveAsync"/>, prepared once: parsing them again per delivery cost more than running them.</summary>
    private sealed class Commands(SqliteConnection connection) : IDisposable
    {
        private readonly SqliteCommand _upsertEndpoint = Create(connection, """
            INSERT OR REPLACE INTO webhook_endpoints VALUES ($name, $cursor, $enabled, $reason, $delivered, $failed, $dropped,
                $replies_sent, $replies_refused, $last_success_at, $error_at, $error_status, $error_reason);
            """, "$name", "$cursor", "$enabled", "$reason", "$delivered", "$failed", "$dropped", "$replies_sent", "$replies_refused",
            "$last_success_at", "$error_at", "$error_status", "$error_reason");

        private readonly SqliteCommand _deleteDelivery = Create(connection,
            "DELETE FROM webhook_deliveries WHERE endpoint = $e AND seq = $seq;", "$e", "$seq");

        private readonly SqliteCommand _upsertDelivery = Create(connection,
            "INSERT OR REPLACE INTO webhook_deliveries VALUES ($e, $seq, $attempts, $next, $failed, $error_at, $error_status, $error_reason);",
            "$e", "$seq", "$attempts", "$next", "$failed", "$error_at", "$error_status", "$error_reason");

        private readonly SqliteCommand _insertAttempt = Create(connection,
            "INSERT INTO webhook_attempts VALUES ($e, $id, $webhook_id, $seq, $attempt, $at, $duration_ms, $status, $error, $response_bytes, $reply);",
            "$e", "$id", "$webhook_id", "$seq", "$attempt", "$at", "$duration_ms", "$status", "$error", "$response_bytes", "$reply");

        private readonly SqliteCommand _trimAttempts = Create(connection,
            "DELETE FROM webhook_attempts WHERE endpoint = $e AND id <= $upto;", "$e", "$upto");

        public void Enlist(SqliteTransaction? transaction)
        {
            foreach (var command in All())
            {
                command.Transaction = transaction;
            }
        }

        public void UpsertEndpoint(WebhookEndpointRow e) => Run(_upsertEndpoint,
            e.Name, e.Cursor, e.Enabled ? 1 : 0, e.DisabledReason, e.Delivered, e.Failed, e.Dropped, e.RepliesSent, e.RepliesRefused,
            e.LastSuccessAt?.UtcTicks, e.LastError?.At.UtcTicks, e.LastError?.Status, e.LastError?.Reason);

        public void DeleteDelivery(string endpoint, long seq) => Run(_deleteDelivery, endpoint, seq);

        public void UpsertDelivery(string endpoint, WebhookDelivery d) => Run(_upsertDelivery,
            endpoint, d.Seq, d.Attempts, d.NextAttemptAt.UtcTicks, d.Failed ? 1 : 0, d.LastError?.At.UtcTicks, d.LastError?.Status, d.LastError?.Reason);

        public void InsertAttempt(string endpoint, WebhookAttempt a) => Run(_insertAttempt,
            endpoint, a.Id, a.WebhookId, a.Seq, a.Attempt, a.At.UtcTicks, a.DurationMs, a.Status, a.Error, a.ResponseBytes, a.Reply);

        public void TrimAttempts(string endpoint, long upTo) => Run(_trimAttempts, endpoint, upTo);

        public void Dispose()
        {
            foreach (var command in All())
            {
                command.Dispose();
            }
        }

        private SqliteCommand[] All() => [_upsertEndpoint, _deleteDelivery, _upsertDelivery, _insertAttempt, _trimAttempts];

        private static SqliteCommand Create(SqliteConnection connection, string sql, params string[] names)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in names)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            return command;
        }

        private static void Run(SqliteCommand command, params object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
        }
    }
}
