namespace NymBridge.Api.Hosting;

/// <summary>
/// Directories and files only their owner can read: the inbox holds the user's private messages, and
/// other accounts on the machine must not read who wrote to them. On Windows the user's profile
/// folders already carry a per-user ACL, so nothing is changed there.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (and missing parents) as 0700; an existing one is left as its owner set it.</summary>
    /// <remarks>An existing directory may be shared on purpose (a data directory of /srv/x, or a mistaken /tmp): not ours to chmod.</remarks>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }
    }

    /// <summary>Creates the file empty as 0600 if it does not exist, and sets an existing one to 0600.</summary>
    /// <remarks>
    /// Created before SQLite opens it because SQLite creates a database as 0644 (less the umask), and it
    /// gives the -wal and -shm files it creates later the database file's mode: a 0600 database makes
    /// all three 0600.
    /// </remarks>
    public static void CreateFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            using var _ = new FileStream(path, System.IO.FileMode.OpenOrCreate, FileAccess.ReadWrite);
            return;
        }

        using (new FileStream(path, new FileStreamOptions
               {
                   Mode = System.IO.FileMode.OpenOrCreate,
                   Access = FileAccess.ReadWrite,
                   UnixCreateMode = FileMode,
               }))
        {
        }

        File.SetUnixFileMode(path, FileMode);
    }

    /// <summary>Sets an existing file to 0600 (left by an older version, or created by someone else's umask); a missing one is fine.</summary>
    public static void RestrictIfExists(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }
}
