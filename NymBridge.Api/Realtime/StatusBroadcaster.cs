using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Nym;

namespace NymBridge.Api.Realtime;

/// <summary>Pushes <c>status</c> to every hub client when the nym-client connection comes or goes.</summary>
internal sealed class StatusBroadcaster(IHubContext<MessagesHub> hub, INymConnection nym) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var change = nym.NextStatusChange;
            while (true)
            {
                await change.WaitAsync(stoppingToken);
                // Taken before reading the state, so a change from here on wakes the next round.
                change = nym.NextStatusChange;
                // Not awaited: a status line must not wait on a slow browser (each connection has its own buffer).
                _ = hub.Clients.All.SendAsync(HubMethods.Status, StatusPush.From(nym), stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
