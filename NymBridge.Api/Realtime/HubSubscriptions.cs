using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Inbox;
using NymBridge.Api.Messages;

namespace NymBridge.Api.Realtime;

/// <summary>
/// One inbox subscription per SignalR connection, each with its own pump (<see cref="HubPump"/>), started by
/// <see cref="MessagesHub.OnConnectedAsync"/>. <c>Clients.All</c> would await every connection's write, so one
/// browser that stops reading would hold up the rest; here a slow connection only falls behind on its own
/// subscription (the inbox lets it catch up from the store), and every other subscriber, and long-poll, go on.
/// </summary>
/// <remarks>
/// The pumps write each event's once-serialized message straight to the <see cref="HubConnectionContext"/>,
/// which SignalR hands only to the lifetime manager: <see cref="TrackingHubLifetimeManager{THub}"/> registers
/// each connection here, around whatever lifetime manager (the default one, a backplane) is configured.
/// </remarks>
public sealed class HubSubscriptions(IInboxFeed inbox, EventViews views, IHostApplicationLifetime lifetime, ILogger<HubSubscriptions> logger)
{
    // Only counted here: a pump ends with its connection, whose ConnectionAborted SignalR trips before it
    // reports the disconnect, or when the inbox stops. No token source of our own per connection, as an
    // idle connection's every object counts (bench 3d: memory per idle SignalR connection).
    private readonly ConcurrentDictionary<string, HubPump> _connections = new();

    public int Count => _connections.Count;

    internal IInboxFeed Inbox => inbox;

    internal EventViews Views => views;

    internal ILogger Logger => logger;

    /// <summary>The bridge is stopping: a subscription that ends now leaves its connection to the server's drain.</summary>
    internal bool Stopping => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Live events from now on: what came before is the client's to ask for with Replay(after).</summary>
    public void Start(string connectionId)
    {
        if (_connections.TryGetValue(connectionId, out var pump))
        {
            pump.Start(this, inbox.LastSeq);
        }
    }

    /// <summary>
    /// Pushes every retained event with seq &gt; <paramref name="after"/> that the connection was not pushed yet,
    /// through the connection's pump: as one run in seq order, never interleaved with live pushes.
    /// </summary>
    public Task<ReplayResult> ReplayAsync(string connectionId, long after, CancellationToken cancellationToken) =>
        _connections.TryGetValue(connectionId, out var pump)
            ? pump.ReplayAsync(inbox, views, after, cancellationToken)
            : throw new HubException("This connection is closing.");

    internal void Register(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.TryAdd(connection.ConnectionId, new HubPump(connection));
    }

    internal void Forget(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.TryRemove(connection.ConnectionId, out _);
        // Normally tripped already; makes sure the pump ends even if it were not.
        connection.Abort();
    }
}
