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
public sealed partial class HubSubscriptions(InboxService inbox, ILogger<HubSubscriptions> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _pumps = new();

    public int Count => _pumps.Count;

    public void Start(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionAborted);
        if (!_pumps.TryAdd(connection.ConnectionId, stop))
        {
            stop.Dispose();
            return;
        }

        // Live events only: what came before is the client's to ask for with Replay(after).
        var from = inbox.GetStatus().Store.LastSeq;
        _ = PumpAsync(connection, from, stop.Token);
    }

    public void Stop(string connectionId)
    {
        if (_pumps.TryRemove(connectionId, out var stop))
        {
            stop.Cancel();
            stop.Dispose();
        }
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

    public void Dispose()
    {
        foreach (var id in _pumps.Keys)
        {
            Stop(id);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "A SignalR subscription stopped: {Error}")]
    private static partial void LogPumpFailed(ILogger logger, string error);
}
