using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NymBridge.Api.Nym;
using NymBridge.Api.Sending;

namespace NymBridge.Api.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// The <c>Cluster</c> options (always, so a bad section fails start-up) and, when <c>Cluster:Redis</c> is set, the Redis
    /// connection, the Redis inbox and its tail, the leader lease, the send forwarder, the key check and the Redis
    /// idempotency store.
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

        return services.AddClusterMode(configuration);
    }

    // A method of its own, never inlined: compiling AddCluster must not load StackExchange.Redis (and RESPite) into
    // a single-process bridge, which never uses them (about 1.5 MB of idle memory).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IServiceCollection AddClusterMode(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddClusterRedis(configuration);
        services.AddClusterInbox(configuration);
        services.AddSingleton<LeaderLease>();
        services.AddSingleton<ILeaderLocator>(static sp => sp.GetRequiredService<LeaderLease>());
        services.AddHostedService(static sp => sp.GetRequiredService<LeaderLease>());
        // Only the leader holds nym-client's socket (replaces AddNymConnection's always-open gate in either order);
        // /health/ready answers for the cluster's leader, not this instance's own socket.
        services.Replace(ServiceDescriptor.Singleton<INymConnectionGate, LeaderGate>());
        services.AddHealthChecks();
        services.PostConfigure<HealthCheckServiceOptions>(ClusterReadyHealthCheck.ReplaceNymCheck);
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
