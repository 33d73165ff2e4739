using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Security;

public static class SecurityServiceCollectionExtensions
{
    public const string CorsPolicy = "bridge";

    /// <summary>
    /// The API key (only when one is configured), CORS for <c>Bridge:Cors:Origins</c> and the rate limiter for
    /// <c>Bridge:RateLimit</c>; the last two are built from the validated <see cref="BridgeOptions"/>.
    /// </summary>
    public static IServiceCollection AddBridgeSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        if (StartupSecurity.HasApiKey(configuration))
        {
            AddApiKeyAuthentication(services);
        }

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<BridgeOptions>>((cors, bridge) => cors.AddPolicy(CorsPolicy, policy =>
        {
            if (bridge.Value.Cors.Origins is { Length: > 0 } origins)
            {
                policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().AllowCredentials();
            }
        }));

        services.AddRateLimiter(_ => { });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<RateLimiterOptions>, BridgeRateLimiterSetup>());
        return services;
    }

    /// <remarks>
    /// Registered only with a key: WebApplication adds the authentication and authorization middlewares
    /// by itself whenever their services exist, and without a key they would only cost every request a
    /// principal built and checked. AddAuthenticationCore rather than AddAuthentication, which brings
    /// Data Protection, whose hosted service loads (or creates) a key ring at start-up for cookies the
    /// bridge never issues.
    /// </remarks>
    private static void AddApiKeyAuthentication(IServiceCollection services)
    {
        services.AddWebEncoders();
        services.AddAuthenticationCore(o =>
        {
            o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName;
            o.AddScheme<ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, displayName: null);
        });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
    }
}
