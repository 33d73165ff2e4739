using Microsoft.Data.Sqlite;
using NymBridge.Protocol;

namespace NymBridge.Api.Inbox;

public sealed partial class SqliteInboxStore
{
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
}
