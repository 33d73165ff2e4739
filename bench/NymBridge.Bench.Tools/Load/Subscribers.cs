using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace NymBridge.Bench.Tools.Load;

/// <summary>Opens SignalR connections to the bridge's hub over websockets (no negotiate round trip), many at a time.</summary>
internal static class Subscribers
{
    public const string HubPath = "/hubs/messages";

    public static HubConnection Create(Uri bridge) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(bridge, HubPath), HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .Build();

    /// <summary>Starts every connection, <paramref name="parallel"/> handshakes at a time; throws if any fails.</summary>
    public static async Task StartAllAsync(IReadOnlyList<HubConnection> connections, int parallel, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = deadline.Token },
            async (connection, ct) => await connection.StartAsync(ct));
    }

    public static async Task StopAllAsync(IEnumerable<HubConnection> connections) =>
        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) =>
        {
            try
            {
                await c.DisposeAsync();
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
            }
        });
}
