using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NymBridge.Api.Hosting;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Status;

/// <summary>
/// Tells the person who started the bridge where it listens, where its manual is, where it keeps
/// its data, and its own Nym address. Written to the console, not the log: the address is the user's own and is printed on
/// purpose, while logs never carry addresses.
/// </summary>
internal sealed class StartupBanner(IServer server, IHostApplicationLifetime lifetime, INymConnection nym, DataDirectory dataDirectory, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }

            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                Console.WriteLine($"NymBridge listening on {address} (Swagger UI: {address.TrimEnd('/')}/swagger)");
            }

            Console.WriteLine($"nym-client: {nym.GetStatus().ClientUrl}");
            Console.WriteLine($"Data directory: {dataDirectory.Path}");
            try
            {
                var self = await nym.WaitForSelfAddressAsync(stoppingToken).WaitAsync(TimeSpan.FromSeconds(10), time, stoppingToken);
                Console.WriteLine($"Self address: {self}");
            }
            catch (TimeoutException)
            {
                Console.WriteLine("Self address: not known yet (nym-client not connected); GET /self-address once /health/ready is 200.");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
