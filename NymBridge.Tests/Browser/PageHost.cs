using Microsoft.AspNetCore.Hosting;
using NymBridge.Emulator;

namespace NymBridge.Tests.Browser;

/// <summary>
/// The real app on Kestrel on a loopback port (a browser needs real sockets, not the in-memory
/// TestServer), connected to the nym-client emulator, which loops back what is sent to its own
/// address. The emulator runs beside the app rather than through <c>Nym:Emulator=true</c>: that
/// starts the emulator's own web host inside Program's startup, and WebApplicationFactory would take
/// that host for the app's.
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    private readonly BridgeHost _host;

    private PageHost(BridgeHost host) => _host = host;

    public Uri BaseAddress => _host.BaseAddress!;
    public HttpClient Client => _host.Client;

    /// <summary>The emulated nym-client, to push what the bridge cannot be made to cause (an Error frame).</summary>
    public NymClientEmulator Emulator => _host.Emulator;

    /// <param name="apiKey">Sets <c>Bridge:ApiKey</c>; <see cref="Client"/> sends it.</param>
    /// <param name="configure">Test-only additions to the app (a middleware through an <c>IStartupFilter</c>, say).</param>
    public static async Task<PageHost> StartAsync(TimeSpan timeout, string? apiKey = null, Action<IWebHostBuilder>? configure = null)
    {
        var settings = apiKey is null ? null : new Dictionary<string, string?> { ["Bridge:ApiKey"] = apiKey };
        var host = await BridgeHost.StartOnKestrelAsync(settings, configure: configure).WaitAsync(timeout);
        if (apiKey is not null)
        {
            host.Client.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        }

        return new PageHost(host);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
