using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Status;

namespace NymBridge.Api.Realtime;

public static class RealtimeServiceCollectionExtensions
{
    /// <summary>
    /// SignalR with <see cref="MessagesHub"/>'s limits, the per-connection subscriptions around whatever lifetime
    /// manager is configured, the <c>signalR</c> status component and the broadcaster of nym-client status changes.
    /// </summary>
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
        services.AddSingleton<IStatusContributor, SubscriberStatusContributor>();
        services.AddHostedService<StatusBroadcaster>();
        return services;
    }

    /// <summary>The lifetime manager SignalR would use for <see cref="MessagesHub"/>: the last open-generic one registered.</summary>
    private static HubLifetimeManager<MessagesHub> CreateConfiguredLifetimeManager(IServiceProvider provider, IServiceCollection services)
    {
        var configured = services.Last(d => d.ServiceType == typeof(HubLifetimeManager<>) && d.ImplementationType is not null);
        return (HubLifetimeManager<MessagesHub>)ActivatorUtilities.CreateInstance(provider, configured.ImplementationType!.MakeGenericType(typeof(MessagesHub)));
    }
}
