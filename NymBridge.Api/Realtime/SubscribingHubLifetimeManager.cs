using Microsoft.AspNetCore.SignalR;

namespace NymBridge.Api.Realtime;

/// <summary>
/// SignalR's own lifetime manager, plus an inbox subscription for every connection. Here, rather than
/// in the hub, because this is where SignalR hands over the <see cref="HubConnectionContext"/>: the
/// subscription writes each event's once-serialized message straight to it.
/// </summary>
internal sealed class SubscribingHubLifetimeManager(
    HubSubscriptions subscriptions, ILogger<DefaultHubLifetimeManager<MessagesHub>> logger)
    : DefaultHubLifetimeManager<MessagesHub>(logger)
{
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        subscriptions.Start(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        subscriptions.Stop(connection);
        await base.OnDisconnectedAsync(connection);
    }
}
