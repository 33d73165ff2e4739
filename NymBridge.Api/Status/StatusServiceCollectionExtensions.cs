namespace NymBridge.Api.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>The readiness check behind <c>/health/ready</c> and the start-up banner on the console.</summary>
    /// <remarks>Cluster mode swaps the check for the cluster's (<c>ClusterReadyHealthCheck.ReplaceNymCheck</c>, from AddCluster).</remarks>
    public static IServiceCollection AddStatus(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<NymReadyHealthCheck>(NymReadyHealthCheck.Name, tags: [HealthEndpoints.ReadyTag]);
        services.AddHostedService<StartupBanner>();
        return services;
    }
}
