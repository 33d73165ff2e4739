namespace NymBridge.Api.Hosting;

/// <summary>
/// Where the bridge keeps its data: <c>Bridge:DataDirectory</c>, by default the user's
/// LocalApplicationData folder + <c>nymbridge</c> (on Linux <c>$XDG_DATA_HOME/nymbridge</c>, else
/// <c>~/.local/share/nymbridge</c>). Features resolve their relative file names against it
/// (<see cref="Resolve"/>) and create it with <see cref="EnsureExists"/> when they first write, so a
/// bridge that keeps nothing on disk (<c>Inbox:Store=Memory</c>) creates nothing.
/// </summary>
public sealed class DataDirectory
{
    public const string ConfigurationKey = "Bridge:DataDirectory";

    /// <param name="path">Absolute, or relative to the working directory (as any path given on a command line).</param>
    public DataDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The absolute path of the directory (it may not exist yet).</summary>
    public string Path { get; }

    public static DataDirectory FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new DataDirectory(configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : DefaultPath());
    }

    /// <summary>LocalApplicationData + <c>nymbridge</c>; .NET reads <c>XDG_DATA_HOME</c> and <c>HOME</c> for it on Unix.</summary>
    public static string DefaultPath()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root))
        {
            throw new InvalidOperationException(
                $"No folder for user data is known (HOME is not set): set {ConfigurationKey} (e.g. --{ConfigurationKey}=/var/lib/nymbridge or the Bridge__DataDirectory environment variable).");
        }

        return System.IO.Path.Combine(root, "nymbridge");
    }

    /// <summary>A relative path is under the data directory; an absolute one is returned as it is.</summary>
    public string Resolve(string path) => System.IO.Path.GetFullPath(path, Path);

    /// <summary>Creates the directory, mode 0700 on Unix, if it does not exist yet.</summary>
    public string EnsureExists()
    {
        PrivateFiles.CreateDirectory(Path);
        return Path;
    }

    public override string ToString() => Path;
}
