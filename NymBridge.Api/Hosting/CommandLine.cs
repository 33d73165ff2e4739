using System.Reflection;

namespace NymBridge.Api.Hosting;

/// <summary>
/// <c>--help</c> (<c>-h</c>) and <c>--version</c>: answered before anything else, so they start no host,
/// bind no port and touch no data.
/// </summary>
public static class CommandLine
{
    /// <summary>Writes the help or the version when <paramref name="args"/> asks for one.</summary>
    /// <returns>True when it answered and the program should exit (with 0).</returns>
    public static bool TryAnswer(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            output.Write(Help());
            return true;
        }

        if (args.Contains("--version"))
        {
            output.WriteLine(Version());
            return true;
        }

        return false;
    }

    /// <summary><c>nymbridge 0.2.0 (commit abc1234)</c>: the project's SemVer and the commit it was built from.</summary>
    public static string Version()
    {
        // The SDK appends "+<commit>" to the informational version (see SetSourceRevisionFromGit in the project file).
        var informational = typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? informational : informational[..plus];
        var commit = plus < 0 ? "unknown" : informational[(plus + 1)..];
        return $"nymbridge {version} (commit {(commit.Length > 7 ? commit[..7] : commit)})";
    }

    public static string Help() => $"""
        {Version()}
        HTTP gateway to the Nym mixnet: holds nym-client's websocket and serves a REST API, Server-Sent
        Events, SignalR, Swagger UI and a small page.

        Usage: nymbridge [options]

        Options:
          --emulator                   Run a built-in nym-client emulator (try it without a Nym install).
          --urls URL[;URL]             Where to listen (default {Http.HttpConfiguration.DefaultUrl}).
                                       --http_ports, --https_ports and Kestrel:Endpoints work as in any ASP.NET Core app.
          --Nym:ClientUrl URL          nym-client's websocket (default ws://127.0.0.1:1977).
          --Bridge:ApiKey KEY          Require KEY on every endpoint but /health/*; needed to listen beyond loopback.
          --Bridge:DataDirectory DIR   Where the inbox is kept (default {DefaultDataDirectoryForHelp()}).
          --webhook URL                Service-provider mode: POST every inbound message to URL and send its
                                       answer back as the reply.
          -h, --help                   Show this help.
          --version                    Show the version and the commit it was built from.

        Every setting can also be given as --Section:Key=value, as an environment variable Section__Key
        (e.g. Bridge__ApiKey), or in appsettings.json beside the program.
        All settings: README.md, section Configuration. The API: /swagger on the running bridge.

        """;

    private static string DefaultDataDirectoryForHelp()
    {
        try
        {
            return DataDirectory.DefaultPath();
        }
        catch (InvalidOperationException)
        {
            return "<LocalApplicationData>/nymbridge";
        }
    }
}
