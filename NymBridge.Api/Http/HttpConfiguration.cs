namespace NymBridge.Api.Http;

/// <summary>The start-up side of HTTP: the command-line shortcuts and where to listen by default.</summary>
public static class HttpConfiguration
{
    public const string DefaultUrl = "http://127.0.0.1:5977";

    /// <summary>
    /// <c>--emulator</c> is a shortcut for <c>--Nym:Emulator=true</c>; <c>--webhook URL</c> (or <c>--webhook=URL</c>) for an
    /// endpoint named <c>default</c> with that URL and a secret generated once and kept (see GeneratedWebhookSecrets).
    /// </summary>
    public static string[] ExpandShortcuts(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var expanded = new List<string>(args.Length + 1);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string? webhook = a == "--webhook" && i + 1 < args.Length ? args[++i]
                : a.StartsWith("--webhook=", StringComparison.Ordinal) ? a["--webhook=".Length..]
                : null;
            if (webhook is not null)
            {
                expanded.Add($"--Webhooks:Endpoints:default:Url={webhook}");
                expanded.Add($"--Webhooks:Endpoints:default:Secret={Webhooks.WebhookEndpointOptions.GeneratedSecret}");
                continue;
            }

            expanded.Add(a == "--emulator" ? "--Nym:Emulator=true" : a);
        }

        return [.. expanded];
    }

    /// <summary>
    /// Loopback on 5977 unless a standard listen setting is given (<c>--urls</c>, <c>ASPNETCORE_URLS</c>,
    /// <c>http_ports</c>, <c>https_ports</c>, Kestrel endpoints; see <see cref="ListenAddresses"/>).
    /// </summary>
    public static WebApplicationBuilder UseDefaultListenAddress(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!ListenAddresses.AnyConfigured(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }
}
