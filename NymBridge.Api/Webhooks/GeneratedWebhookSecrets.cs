using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Gives every endpoint whose Secret is <c>generate</c> (what <c>--webhook URL</c> sets) a secret made once
/// and kept in a file readable by the owner only, so a restart signs with the same secret. The startup
/// banner prints it (stdout, never a log line).
/// </summary>
public sealed partial class GeneratedWebhookSecrets(IOptions<InboxOptions> inbox, IHostEnvironment? environment) : IPostConfigureOptions<WebhooksOptions>
{
    private readonly List<(string Endpoint, string Secret, string File)> _generated = [];

    /// <summary>The endpoints whose secret came from a file, for the banner.</summary>
    public IReadOnlyList<(string Endpoint, string Secret, string File)> Generated => _generated;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SafeName();

    /// <summary>
    /// Where secret files live: for now the directory of the inbox's SQLite file (<c>Inbox:Path</c>, relative to the
    /// content root). The one place to change when the bridge gets its own data directory.
    /// </summary>
    public string SecretDirectory()
    {
        var contentRoot = environment?.ContentRootPath ?? Directory.GetCurrentDirectory();
        return Path.GetDirectoryName(Path.GetFullPath(inbox.Value.Path, contentRoot))!;
    }

    public void PostConfigure(string? name, WebhooksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (endpoint, o) in options.Endpoints)
        {
            if (o.Secret != WebhookEndpointOptions.GeneratedSecret || !SafeName().IsMatch(endpoint))
            {
                continue; // a bad name is reported by the validator; it names no file
            }

            var file = Path.Combine(SecretDirectory(), $"webhook-{endpoint.ToLowerInvariant()}.secret");
            o.Secret = LoadOrCreate(file);
            lock (_generated)
            {
                _generated.RemoveAll(g => g.Endpoint == endpoint);
                _generated.Add((endpoint, o.Secret, file));
            }
        }
    }

    private static string LoadOrCreate(string file)
    {
        if (File.Exists(file))
        {
            var existing = File.ReadAllText(file).Trim();
            if (WebhookSecret.TryDecode(existing, out _))
            {
                return existing;
            }

            throw new InvalidOperationException($"{file} does not hold a webhook secret (whsec_…); delete it to have a new one generated.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var secret = WebhookSecret.Generate();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(file, System.Text.Encoding.ASCII, options);
            writer.WriteLine(secret);
        }
        catch (IOException) when (File.Exists(file))
        {
            return LoadOrCreate(file); // another start made it first
        }

        return secret;
    }
}
