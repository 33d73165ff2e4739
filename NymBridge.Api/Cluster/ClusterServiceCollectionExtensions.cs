using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Nym;
using NymBridge.Api.Sending;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// The <c>Cluster</c> options (always, so a bad section fails start-up) and, when <c>Cluster:Redis</c> is set, the Redis
    /// connection, the leader lease, the send forwarder, the key check and the Redis idempotency store. Not yet composed
    /// into Program.cs: the inbox store and tail come with it.
    /// </summary>
    public static IServiceCollection AddCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<ClusterOptions>, ClusterOptionsSetup>();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        if (string.IsNullOrWhiteSpace(configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Redis)}"]))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IConnectionMultiplexer>(static sp =>
            ConnectionMultiplexer.Connect(RedisConnection.Parse(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Redis!)));
        services.AddSingleton<LeaderLease>();
        services.AddSingleton<ILeaderLocator>(static sp => sp.GetRequiredService<LeaderLease>());
        services.AddHostedService(static sp => sp.GetRequiredService<LeaderLease>());
        services.AddSingleton<InternalKeyCheck>();
        services.AddSingleton<RedisIdempotencyStore>();
        services.AddSingleton<IIdempotencyStore>(static sp => sp.GetRequiredService<RedisIdempotencyStore>());
        // Sends through any instance: the local NymConnection stays registered as itself (and as the hosted service);
        // INymConnection is this wrapper, which forwards to the leader when this instance is not it. Add, not TryAdd: it wins in any order.
        services.AddSingleton<NymStatePublisher>();
        services.AddHostedService(static sp => sp.GetRequiredService<NymStatePublisher>());
        services.AddSingleton<ClusterNymConnection>();
        services.AddSingleton<INymConnection>(static sp => sp.GetRequiredService<ClusterNymConnection>());
        services.AddSingleton<LeaderForwarder>();
        services.AddHttpClient(LeaderForwarder.ClientName, static client => client.Timeout = Timeout.InfiniteTimeSpan)
            // A redirect from the leader is an error, not somewhere else to send a message.
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                // An unreachable leader must fail fast: that failure is the "not sent" 503.
                ConnectTimeout = TimeSpan.FromSeconds(2),
            })
            // IHttpClientFactory logs each request's full URL, and a raw-bytes send has the recipient's address in its query.
            .RemoveAllLoggers();
        return services;
    }
}
