using System.Net;

namespace NymBridge.Api.Http;

/// <summary>
/// The listen addresses the configuration asks for, read from ASP.NET Core's own settings: <c>urls</c>
/// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>DOTNET_URLS</c>), <c>http_ports</c> and <c>https_ports</c>
/// (<c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>; a port means every interface) and
/// <c>Kestrel:Endpoints</c>. The one reading for both start-up decisions (the loopback default and the
/// key required off loopback), so they never disagree about what the bridge will listen on.
/// </summary>
/// <remarks>Read from raw configuration: both decisions are taken before the host, and so the options system, exists.</remarks>
public static class ListenAddresses
{
    private const string KestrelEndpoints = "Kestrel:Endpoints";

    /// <summary>Every configured address, in the form Kestrel takes (a port becomes <c>http://*:port</c>); empty when none is configured.</summary>
    /// <remarks>
    /// Kestrel itself binds only the strongest of these (endpoints over urls over ports); listing them all
    /// keeps the key rule on the safe side of that precedence.
    /// </remarks>
    public static IReadOnlyList<string> Configured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var addresses = new List<string>();
        addresses.AddRange(Split(configuration["urls"]));
        addresses.AddRange(Split(configuration["http_ports"]).Select(port => $"http://*:{port}"));
        addresses.AddRange(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"));
        addresses.AddRange(configuration.GetSection(KestrelEndpoints).GetChildren().Select(e => e["Url"]).OfType<string>().Where(url => url.Length > 0));
        return addresses;
    }

    /// <summary>Whether any listen setting is given; a Kestrel endpoint section without a Url (only certificate settings, say) counts too.</summary>
    public static bool AnyConfigured(IConfiguration configuration) =>
        Configured(configuration).Count > 0 || configuration.GetSection(KestrelEndpoints).Exists();

    /// <summary>The configured addresses (http and https alike) that are not loopback.</summary>
    public static IReadOnlyList<string> OffLoopback(IConfiguration configuration) =>
        [.. Configured(configuration).Where(url => !IsLoopback(url))];

    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var hostStart = url.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : 0;
        var rest = url[hostStart..];
        var host = rest.StartsWith('[') ? rest[1..rest.IndexOf(']', StringComparison.Ordinal)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    private static string[] Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
