using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Inbox;
using NymBridge.Api.Nym;
using NymBridge.Emulator;
using NymBridge.Protocol;

namespace NymBridge.Tests.Common;

/// <summary>
/// The bridge in a test server, connected to a real emulator websocket on a loopback port: each test
/// gets its own pair, so no test sees another's frames.
/// </summary>
public sealed class BridgeHost : IAsyncDisposable
{
    private BridgeHost(NymClientEmulator emulator, WebApplicationFactory<Program> factory, bool kestrel)
    {
        Emulator = emulator;
        Factory = factory;
        if (kestrel)
        {
            // A listen callback rather than UseKestrel(port): a factory made by WithWebHostBuilder drops the port
            // and the app would bind its default 5977, which parallel tests then fight over.
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
            Client = new HttpClient { BaseAddress = BaseAddress };
        }
        else
        {
            Client = factory.CreateClient();
        }
    }

    /// <summary>Set when the bridge runs on real Kestrel (a loopback port), for clients that need real sockets.</summary>
    public Uri? BaseAddress { get; }

    public NymClientEmulator Emulator { get; }
    public WebApplicationFactory<Program> Factory { get; }
    public HttpClient Client { get; }
    public INymConnection Nym => Factory.Services.GetRequiredService<INymConnection>();
    public InboxProbe Inbox => new(Factory.Services);

    public static Task<BridgeHost> StartAsync(
        IDictionary<string, string?>? settings = null, EmulatorOptions? emulatorOptions = null, Action<IWebHostBuilder>? configure = null) =>
        StartAsync(settings, emulatorOptions, configure, kestrel: false);

    public static Task<BridgeHost> StartOnKestrelAsync(
        IDictionary<string, string?>? settings = null, EmulatorOptions? emulatorOptions = null, Action<IWebHostBuilder>? configure = null) =>
        StartAsync(settings, emulatorOptions, configure, kestrel: true);

    private static async Task<BridgeHost> StartAsync(
        IDictionary<string, string?>? settings, EmulatorOptions? emulatorOptions, Action<IWebHostBuilder>? configure, bool kestrel)
    {
        var emulator = new NymClientEmulator(emulatorOptions);
        await emulator.StartAsync().DefaultTimeout();
        var all = new Dictionary<string, string?>
        {
            ["Nym:ClientUrl"] = emulator.Url.ToString(),
            ["Nym:ReconnectMinDelay"] = "00:00:00.050",
            ["Nym:ReconnectMaxDelay"] = "00:00:00.500",
            ["Inbox:Store"] = "Memory",
            // Never the real user's data directory, whatever a test turns on.
            ["Bridge:DataDirectory"] = Path.Combine(Path.GetTempPath(), "nymbridge-tests-data"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in all)
            {
                builder.UseSetting(key, value);
            }

            configure?.Invoke(builder);
        });
        var host = new BridgeHost(emulator, factory, kestrel);
        await host.WaitUntilReadyAsync();
        return host;
    }

    /// <summary>Waits for the bridge to connect and learn its address: the point where sends can succeed.</summary>
    public async Task<NymAddress> WaitUntilReadyAsync() =>
        await Nym.WaitForSelfAddressAsync(CancellationToken.None).DefaultTimeout();

    /// <summary>Frames the bridge sent besides its own SelfAddress questions.</summary>
    public IReadOnlyList<RecordedFrame> SentFrames() =>
        [.. Emulator.ReceivedFrames.Where(f => !(f.Data.Length == 1 && f.Data[0] == (byte)RequestTag.SelfAddress))];

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => Client.PostAsJsonAsync(path, body);

    /// <summary>A SignalR client of <c>/hubs/messages</c> over websockets: real sockets on Kestrel, else the test server's.</summary>
    /// <param name="configure">More client settings, such as <c>WithAutomaticReconnect</c>.</param>
    public HubConnection CreateHubConnection(Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = BaseAddress is { } kestrel
            ? new HubConnectionBuilder().WithUrl(new Uri(kestrel, "/hubs/messages"), o => o.Transports = HttpTransportType.WebSockets)
            : Factory.MessagesHub(Client.BaseAddress!);
        configure?.Invoke(builder);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
