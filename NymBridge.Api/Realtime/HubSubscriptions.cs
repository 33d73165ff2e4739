using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Realtime;

/// <summary>
/// One inbox subscription per SignalR connection, each with its own pump. <c>Clients.All</c> would
/// await every connection's write, so one browser that stops reading would hold up the rest; here
/// a slow connection only falls behind on its own subscription (the inbox lets it catch up from the
/// store), and every other subscriber, and long-poll, go on.
/// </summary>
public sealed partial class HubSubscriptions(InboxService inbox, ILogger<HubSubscriptions> logger)
{
    // Only counted here: a pump ends with its connection, whose ConnectionAborted SignalR trips before it
    // reports the disconnect, or when the inbox stops. No token source of our own per connection, as an
    // idle connection's every object counts (bench 3d: memory per idle SignalR connection).
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new();

    public int Count => _connections.Count;

    public void Start(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!_connections.TryAdd(connection.ConnectionId, connection))
        {
            return;
        }

        // Live events only: what came before is the client's to ask for with Replay(after).
        var from = inbox.GetStatus().Store.LastSeq;
        _ = PumpAsync(connection, from, connection.ConnectionAborted);
    }

    public void Stop(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.TryRemove(connection.ConnectionId, out _);
        // Normally tripped already; makes sure the pump ends even if it were not.
        connection.Abort();
    }

    private async Task PumpAsync(HubConnectionContext connection, long after, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in inbox.SubscribeAsync(after, cancellationToken))
            {
                await connection.WriteAsync(SharedHubMessages.For(e), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogPumpFailed(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(5001, LogLevel.Warning, "A SignalR subscription stopped: {Error}", EventName = "HubPumpFailed")]
    private static partial void LogPumpFailed(ILogger logger, string error);
}
