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
/// inbox batch or a delivery 150 ms (bench/NOTES.md, 7c). The state names seqs of
/// one inbox, so it records that inbox's epoch and forgets itself when the inbox file was replaced.
/// </para>
/// <para>One connection, serialized by a semaphore; the hot statements stay prepared.</para>
/// <para>
/// What <see cref="JournaledWebhookStateStore"/> folds its journal into, and nothing else: it is not an
/// <see cref="IWebhookStateStore"/> of its own, since the journal decides reply claims in memory and saves
/// changes and claims together.
/// </para>
/// </remarks>
public sealed partial class SqliteWebhookStateStore(string path, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;
    private SqliteCheckpointer? _checkpointer;
    private Commands? _commands;
    private bool _disposed;

    public string FilePath { get; } = Path.GetFullPath(path);

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
            _checkpointer = SqliteCheckpointer.Start(connection, FilePath, logger);
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

    /// <summary>
    /// Applies changes (as <see cref="IWebhookStateStore.SaveAsync"/> does) and reply claims in one transaction
    /// (what the journal folds): a claim replaces one of the same event, after the claims of its endpoint that expired
    /// before <paramref name="expiredBefore"/> are removed.
    /// </summary>
    internal async Task SaveAsync(
        IReadOnlyList<WebhookStateChange> changes, IReadOnlyList<WebhookReplyClaim> claims, DateTimeOffset? expiredBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(claims);
        if (changes.Count == 0 && claims.Count == 0)
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
            if (expiredBefore is { } now)
            {
                foreach (var endpoint in claims.Select(c => c.Endpoint).Distinct(StringComparer.Ordinal))
                {
                    commands.PurgeClaims(endpoint, now);
                }
            }

            foreach (var claim in claims)
            {
                commands.UpsertClaim(claim);
            }

            foreach (var endpoint in Net(changes))
            {
                foreach (var (seq, delivery) in endpoint.Deliveries)
                {
                    if (delivery is null)
                    {
                        commands.DeleteDelivery(endpoint.Row.Name, seq);
                    }
                    else
                    {
                        commands.UpsertDelivery(endpoint.Row.Name, delivery);
                    }
                }

                foreach (var attempt in endpoint.Attempts)
                {
                    commands.InsertAttempt(endpoint.Row.Name, attempt);
                }

                commands.UpsertEndpoint(endpoint.Row);
                if (endpoint.Attempts.Count > 0)
                {
                    commands.TrimAttempts(endpoint.Row.Name, endpoint.Attempts[^1].Id - IWebhookStateStore.MaxAttempts);
                }
            }

            transaction.Commit();
            _checkpointer!.Written();
        }
        finally
        {
            _commands?.Enlist(null);
            _gate.Release();
        }
    }

    /// <summary>Every stored claim, soonest to expire first: what the journal checks new claims against.</summary>
    internal async Task<List<WebhookReplyClaim>> ReadClaimsAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = Command(Ready(), null, "SELECT endpoint, seq, expires_at FROM webhook_replies ORDER BY expires_at;");
            using var reader = command.ExecuteReader();
            var claims = new List<WebhookReplyClaim>();
            while (reader.Read())
            {
                claims.Add(new WebhookReplyClaim(reader.GetString(0), reader.GetInt64(1), Time(reader.GetInt64(2))));
            }

            return claims;
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
            if (_checkpointer is not null)
            {
                await _checkpointer.DisposeAsync();
            }

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
}
