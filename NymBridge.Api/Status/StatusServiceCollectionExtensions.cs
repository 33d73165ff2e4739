namespace NymBridge.Api.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>The readiness check behind <c>/health/ready</c> and the start-up banner on the console.</summary>
    public static IServiceCollection AddStatus(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<NymReadyHealthCheck>("nym-client", tags: [HealthEndpoints.ReadyTag]);
        services.AddHostedService<StartupBanner>();
        return services;
    }
}
