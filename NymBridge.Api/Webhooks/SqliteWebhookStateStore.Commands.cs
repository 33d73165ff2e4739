using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Webhooks;

public sealed partial class SqliteWebhookStateStore
{
    /// <summary>The statements of the saves, prepared once: parsing them again per delivery cost more than running them.</summary>
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
            "INSERT OR REPLACE INTO webhook_attempts VALUES ($e, $id, $webhook_id, $seq, $attempt, $at, $duration_ms, $status, $error, $response_bytes, $reply);",
            "$e", "$id", "$webhook_id", "$seq", "$attempt", "$at", "$duration_ms", "$status", "$error", "$response_bytes", "$reply");

        private readonly SqliteCommand _trimAttempts = Create(connection,
            "DELETE FROM webhook_attempts WHERE endpoint = $e AND id <= $upto;", "$e", "$upto");

        private readonly SqliteCommand _upsertClaim = Create(connection,
            "INSERT OR REPLACE INTO webhook_replies VALUES ($e, $seq, $expires);", "$e", "$seq", "$expires");

        private readonly SqliteCommand _purgeClaims = Create(connection,
            "DELETE FROM webhook_replies WHERE endpoint = $e AND expires_at < $now;", "$e", "$now");

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

        public void UpsertClaim(WebhookReplyClaim c) => Run(_upsertClaim, c.Endpoint, c.Seq, c.ExpiresAt.UtcTicks);

        public void PurgeClaims(string endpoint, DateTimeOffset before) => Run(_purgeClaims, endpoint, before.UtcTicks);

        public void Dispose()
        {
            foreach (var command in All())
            {
                command.Dispose();
            }
        }

        private SqliteCommand[] All() => [_upsertEndpoint, _deleteDelivery, _upsertDelivery, _insertAttempt, _trimAttempts, _upsertClaim, _purgeClaims];

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
