using Microsoft.Data.Sqlite;

namespace NymBridge.Api.Hosting;

/// <summary>Opens the bridge's SQLite files (the inbox, the webhook state): they hold the user's private messages.</summary>
public static class PrivateSqlite
{
    /// <summary>
    /// Creates the folder (0700) and the file (0600, see <see cref="PrivateFiles"/>) when missing, restricts
    /// an existing <c>-wal</c>/<c>-shm</c>, and opens the database without a pool: disposing the connection
    /// closes the file, so a restart (or a test reopening it) finds it unlocked.
    /// </summary>
    public static SqliteConnection Open(string path)
    {
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
        PrivateFiles.CreateFile(path);
        PrivateFiles.RestrictIfExists(path + "-wal");
        PrivateFiles.RestrictIfExists(path + "-shm");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
