namespace NymBridge.Api.Http;

/// <summary>
/// The listen addresses the configuration asks for, read from ASP.NET Core's own settings: <c>urls</c>
/// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>DOTNET_URLS</c>), <c>http_ports</c> and <c>https_ports</c>
/// (<c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>; a port means every interface) and
/// <c>Kestrel:Endpoints:*:Url</c>. One list for both start-up decisions, so the default address and
/// the key rule never disagree about what the bridge will listen on.
/// </summary>
public static class ListenAddresses
{
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
        addresses.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().Where(url => url.Length > 0));
        return addresses;
    }

    private static string[] Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
