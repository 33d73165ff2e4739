using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NymBridge.Api.Hosting;

public static class DataDirectoryServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="DataDirectory"/> of <c>Bridge:DataDirectory</c> (once: later calls keep the first).</summary>
    public static IServiceCollection AddDataDirectory(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ => DataDirectory.FromConfiguration(configuration));
        return services;
    }
}
