using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Webhooks;

/// <summary>Ad-hoc statements and reading columns into the state records.</summary>
public sealed partial class SqliteWebhookStateStore
{
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
