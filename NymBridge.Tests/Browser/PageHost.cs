using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NymBridge.Api.Nym;
using NymBridge.Emulator;

namespace NymBridge.Tests.Browser;

/// <summary>
/// The real app on Kestrel on a loopback port (a browser needs real sockets, not the in-memory
/// TestServer), with an in-memory inbox, connected to the nym-client emulator, which loops back what
/// is sent to its own address. The emulator runs beside the app rather than through
/// <c>Nym:Emulator=true</c>: that starts the emulator's own web host inside Program's startup, and
/// WebApplicationFactory would take that host for the app's.
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    private readonly NymClientEmulator _emulator;
    private readonly WebApplicationFactory<Program> _factory;

    private PageHost(NymClientEmulator emulator, WebApplicationFactory<Program> factory, Uri baseAddress, string? apiKey)
    {
        _emulator = emulator;
        _factory = factory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
        if (apiKey is not null)
        {
            Client.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        }
    }

    public Uri BaseAddress { get; }
    public HttpClient Client { get; }

    /// <summary>The emulated nym-client, to push what the bridge cannot be made to cause (an Error frame).</summary>
    public NymClientEmulator Emulator => _emulator;

    /// <param name="apiKey">Sets <c>Bridge:ApiKey</c>; <see cref="Client"/> sends it.</param>
    public static async Task<PageHost> StartAsync(TimeSpan timeout, string? apiKey = null)
    {
        var emulator = new NymClientEmulator(new EmulatorOptions { RecordFrames = false });
        Factory? factory = null;
        try
        {
            await emulator.StartAsync().WaitAsync(timeout);
            factory = new Factory(emulator.Url, apiKey);
            await Task.Run(factory.StartServer).WaitAsync(timeout);
            var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();

            // Ready when connected to the emulator and the self address is known.
            await factory.Services.GetRequiredService<INymConnection>().WaitForSelfAddressAsync(CancellationToken.None).WaitAsync(timeout);
            return new PageHost(emulator, factory, new Uri(address), apiKey);
        }
        catch
        {
            if (factory is not null)
            {
                await factory.DisposeAsync();
            }

            await emulator.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await _emulator.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed class Factory : WebApplicationFactory<Program>
    {
        private readonly Uri _nymClientUrl;
        private readonly string? _apiKey;

        // Port 0 on 127.0.0.1: a free loopback port per test.
        public Factory(Uri nymClientUrl, string? apiKey)
        {
            _nymClientUrl = nymClientUrl;
            _apiKey = apiKey;
            UseKestrel(0);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Nym:ClientUrl", _nymClientUrl.ToString());
            builder.UseSetting("Inbox:Store", "Memory");
            if (_apiKey is not null)
            {
                builder.UseSetting("Bridge:ApiKey", _apiKey);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}
