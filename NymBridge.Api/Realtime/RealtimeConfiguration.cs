using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Nym;
using NymBridge.Api.Status;

namespace NymBridge.Api.Realtime;

public static class RealtimeConfiguration
{
    public static IServiceCollection AddRealtime(this IServiceCollection services)
    {
        services.AddSignalR(options =>
        {
            // Sends through the hub carry payloads: at least 1 MiB, plus JSON and Base64 overhead.
            options.MaximumReceiveMessageSize = 2 * 1024 * 1024;
        }).AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        // SignalR pings every 15 s in its own protocol (HubOptions.KeepAliveInterval); a websocket-level
        // ping as well would only give every idle connection a timer of its own.
        services.Configure<WebSocketOptions>(o => o.KeepAliveInterval = TimeSpan.Zero);
        services.AddSingleton<HubSubscriptions>();
        // Closed over the hub, so it wins over the open-generic default (or a backplane's) and wraps it.
        services.AddSingleton<HubLifetimeManager<MessagesHub>>(sp => new TrackingHubLifetimeManager<MessagesHub>(
            CreateConfiguredLifetimeManager(sp, services), sp.GetRequiredService<HubSubscriptions>()));
        services.AddSingleton<IStatusContributor, SubscriberStatus>();
        services.AddHostedService<StatusBroadcaster>();
        return services;
    }

    /// <summary>The lifetime manager SignalR would use for <see cref="MessagesHub"/>: the last open-generic one registered.</summary>
    private static HubLifetimeManager<MessagesHub> CreateConfiguredLifetimeManager(IServiceProvider provider, IServiceCollection services)
    {
        var configured = services.Last(d => d.ServiceType == typeof(HubLifetimeManager<>) && d.ImplementationType is not null);
        return (HubLifetimeManager<MessagesHub>)ActivatorUtilities.CreateInstance(provider, configured.ImplementationType!.MakeGenericType(typeof(MessagesHub)));
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder routes)
    {
        routes.MapHub<MessagesHub>(MessagesHub.Path);
        return routes;
    }

    private sealed class SubscriberStatus(HubSubscriptions subscriptions) : IStatusContributor<SignalRStatus>
    {
        public string Name => "signalR";
        public SignalRStatus GetStatus() => new(subscriptions.Count);
    }
}

/// <summary>The <c>signalR</c> component of <c>/status</c>.</summary>
public sealed record SignalRStatus(int Subscribers);

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
