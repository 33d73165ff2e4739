using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NymBridge.Api.Sending;

public static class SendingServiceCollectionExtensions
{
    public static IServiceCollection AddSending(this IServiceCollection services)
    {
        services.AddSingleton<SendContentReader>();
        services.AddSingleton<SendFieldRules>();
        services.AddSingleton<SendJsonReader>();
        services.AddSingleton<SendQueryReader>();
        services.AddSingleton<SendRequestParser>();
        services.AddSingleton<IdempotencyStore>();
        // TryAdd: cluster mode (AddCluster, in either order) registers the Redis store, which all instances share.
        services.TryAddSingleton<IIdempotencyStore>(static sp => sp.GetRequiredService<IdempotencyStore>());
        return services;
    }
}
