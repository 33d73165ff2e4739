using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Shutdown;

namespace NymBridge.Api.Nym;

public static class NymServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the <c>Nym</c> section and registers the one connection to nym-client, and the
    /// endpoint it connects to (the configured URL or the built-in emulator, which the host runs).
    /// </summary>
    public static IServiceCollection AddNymConnection(this IServiceCollection services)
    {
        services.AddOptions<NymOptions>().BindConfiguration(NymOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NymOptions>, NymOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<NymEndpoint>();
        services.TryAddSingleton<INymEndpoint>(sp => sp.GetRequiredService<NymEndpoint>());
        services.AddHostedService(sp => sp.GetRequiredService<NymEndpoint>());
        // Cluster mode registers its leader gate first; a single instance may always hold the socket.
        services.TryAddSingleton<INymConnectionGate, AlwaysOpenNymConnectionGate>();
        services.AddSingleton<NymConnection>();
        services.TryAddSingleton<INymConnection>(sp => sp.GetRequiredService<NymConnection>());
        services.AddHostedService(sp => sp.GetRequiredService<NymConnection>());
        services.AddSingleton<IShutdownParticipant>(sp => sp.GetRequiredService<NymConnection>());
        return services;
    }
}
