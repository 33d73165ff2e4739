using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Inbox;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

public static class ClusterInboxServiceCollectionExtensions
{
    /// <summary>
    /// The inbox of cluster mode: <see cref="RedisInboxStore"/> (keys under <c>Cluster:Name</c>) as the
    /// <see cref="IInboxStore"/>, a writer that tells nobody of its commits, and a <see cref="RedisInboxTail"/> on
    /// every instance that drives the feed instead. Works whether it comes before or after <c>AddInbox</c>.
    /// </summary>
    public static IServiceCollection AddClusterInbox(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Replace(ServiceDescriptor.Singleton<IInboxStore>(static sp => sp.GetRequiredService<RedisInboxStore>()));
        services.TryAddSingleton(static sp => CreateStore(sp));
        services.Replace(ServiceDescriptor.Singleton<IInboxCommitObserver, ClusterInboxWriterObserver>());
        services.TryAddSingleton<ClusterInboxTailService>();
        services.AddHostedService(static sp => sp.GetRequiredService<ClusterInboxTailService>());
        return services;
    }

    private static RedisInboxStore CreateStore(IServiceProvider sp)
    {
        // As AddInbox's factory: every section validated first, so a bad Inbox value is listed with the others.
        sp.GetService<IStartupValidator>()?.Validate();
        return new RedisInboxStore(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            new RedisInboxKeys(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Name),
            sp.GetRequiredService<IOptions<InboxOptions>>().Value);
    }
}
