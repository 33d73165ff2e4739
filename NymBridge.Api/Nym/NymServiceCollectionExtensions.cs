using Microsoft.Extensions.DependencyInjection.Extensions;
using NymBridge.Api.Shutdown;

namespace NymBridge.Api.Nym;

public static class NymServiceCollectionExtensions
{
    public static IServiceCollection AddNymConnection(this IServiceCollection services)
    {
        services.AddOptions<NymOptions>().BindConfiguration(NymOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<NymConnection>();
        services.AddSingleton<INymConnection>(sp => sp.GetRequiredService<NymConnection>());
        services.AddHostedService(sp => sp.GetRequiredService<NymConnection>());
        services.AddSingleton<IShutdownParticipant>(sp => sp.GetRequiredService<NymConnection>());
        return services;
    }
}
