using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Webhooks;

/// <summary>Where the webhook state file is, its tables, and forgetting the state of another inbox.</summary>
public sealed partial class SqliteWebhookStateStore
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
        -- Each claim first removes the expired ones: without this, that scanned every claim of the reply window
        -- (30,000 rows at 100 replies/s and 5 minutes) on the way to every reply.
        CREATE INDEX IF NOT EXISTS webhook_replies_expiry ON webhook_replies (endpoint, expires_at);
        """;

    /// <summary>The webhook state file of an inbox file: <c>inbox.db</c> → <c>inbox-webhooks.db</c>, in the same folder.</summary>
    public static string PathFor(string inboxPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(inboxPath))!,
            Path.GetFileNameWithoutExtension(inboxPath) + "-webhooks" + Path.GetExtension(inboxPath));

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
}
