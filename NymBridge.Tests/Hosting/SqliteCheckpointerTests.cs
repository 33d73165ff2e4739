using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Hosting;

namespace NymBridge.Tests.Hosting;

/// <summary>
/// The checkpoint moves off the writer: committed pages reach the database file from the background connection,
/// while the writer alone (its backstop far away) would leave them in the WAL.
/// </summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private const int Rows = 64;
    private const int RowBytes = 16 * 1024; // 64 × 16 KiB = 1 MiB of pages, far below the backstop's 64 MiB

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Commits_reach_the_database_file_from_the_background_while_the_writer_never_checkpoints()
    {
        var path = _directory.File("checkpointed.db");
        await using var writer = OpenWal(path);
        var checkpointer = SqliteCheckpointer.Start(writer, path, NullLogger.Instance, delay: TimeSpan.FromMilliseconds(10));
        try
        {
            Assert.Equal((long)SqliteCheckpointer.BackstopPages, Scalar(writer, "PRAGMA wal_autocheckpoint;"));
            WriteRows(writer, checkpointer.Written);

            await Eventually.WaitUntilAsync(() => new FileInfo(path).Length >= Rows * RowBytes,
                "the background checkpoint to copy the committed pages into the database file");
        }
        finally
        {
            await checkpointer.DisposeAsync();
        }
    }

    [Fact]
    public void Without_it_the_same_commits_stay_in_the_wal()
    {
        // The control for the test above: with the writer's threshold alone, 1 MiB never leaves the WAL.
        var path = _directory.File("writer-only.db");
        using var writer = OpenWal(path);
        Scalar(writer, $"PRAGMA wal_autocheckpoint={SqliteCheckpointer.BackstopPages};");
        WriteRows(writer, () => { });

        Assert.True(new FileInfo(path).Length < RowBytes, $"the database file is {new FileInfo(path).Length} bytes");
        Assert.True(new FileInfo(path + "-wal").Length >= Rows * RowBytes);
    }

    [Fact]
    public async Task Closing_it_and_then_the_writer_leaves_one_file_with_every_row()
    {
        var path = _directory.File("closed.db");
        var writer = OpenWal(path);
        var checkpointer = SqliteCheckpointer.Start(writer, path, NullLogger.Instance);
        WriteRows(writer, checkpointer.Written);

        await checkpointer.DisposeAsync();
        await writer.DisposeAsync();

        Assert.False(File.Exists(path + "-wal"), "the last close checkpoints and removes the WAL");
        await using var reader = PrivateSqlite.Open(path);
        Assert.Equal((long)Rows, Scalar(reader, "SELECT count(*) FROM t;"));
    }

    private static SqliteConnection OpenWal(string path)
    {
        var connection = PrivateSqlite.Open(path);
        Scalar(connection, "PRAGMA journal_mode=WAL;");
        Scalar(connection, "PRAGMA synchronous=NORMAL;");
        Scalar(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);");
        return connection;
    }

    /// <summary>One commit per row, as the stores commit batch by batch.</summary>
    private static void WriteRows(SqliteConnection connection, Action written)
    {
        for (var i = 0; i < Rows; i++)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO t (body) VALUES (zeroblob($n));";
            insert.Parameters.AddWithValue("$n", RowBytes);
            insert.ExecuteNonQuery();
            written();
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
