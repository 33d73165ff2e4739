using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Status;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

public static class ClusterRedisServiceCollectionExtensions
{
    /// <summary>
    /// The instance's one Redis connection (<see cref="IConnectionMultiplexer"/>, shared by the inbox, its tail, the
    /// lease and the idempotency store), the durability probe at start and the <c>cluster</c> component of <c>/status</c>.
    /// </summary>
    /// <remarks>
    /// The connection does not abort when Redis cannot be reached (<see cref="RedisConnection"/> sets
    /// <c>AbortOnConnectFail=false</c>): a bridge started before its Redis keeps trying, and <c>/status</c> says it is not connected.
    /// </remarks>
    public static IServiceCollection AddClusterRedis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton<IConnectionMultiplexer>(static sp =>
        {
            var options = RedisConnection.Parse(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Redis!);
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        });
        services.TryAddSingleton<ClusterStatusDurability>();
        services.AddHostedService(static sp => sp.GetRequiredService<ClusterStatusDurability>());
        services.AddSingleton<IStatusContributor, ClusterStatusContributor>();
        return services;
    }
}
