using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using NymBridge.Api.Http;

namespace NymBridge.Api.Security;

public static class SecurityConfiguration
{
    public const string CorsPolicy = "bridge";

    public static IServiceCollection AddBridgeSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var bridge = BridgeOptions.From(configuration);
        if (!string.IsNullOrEmpty(bridge.ApiKey))
        {
            AddApiKeyAuthentication(services);
        }

        services.AddCors(o => o.AddPolicy(CorsPolicy, policy =>
        {
            if (bridge.Cors.Origins.Length > 0)
            {
                policy.WithOrigins(bridge.Cors.Origins).AllowAnyHeader().AllowAnyMethod().AllowCredentials();
            }
        }));

        services.AddRateLimiter(o =>
        {
            o.OnRejected = async (context, token) =>
            {
                var seconds = Problems.RetryAfter(context.HttpContext.Response, context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.Zero);
                await Results.Problem(
                    $"Too many requests from this client (Bridge:RateLimit:PermitsPerSecond = {bridge.RateLimit.PermitsPerSecond}). Retry after {seconds} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.").ExecuteAsync(context.HttpContext);
            };
            if (bridge.RateLimit.PermitsPerSecond is { } permits and > 0)
            {
                // Per client address: one noisy local app cannot starve the others.
                o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                    RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = Math.Max(1, permits),
                        TokensPerPeriod = Math.Max(1, permits),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            }
        });

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

    /// <remarks>The rate limiter, like authentication, runs only when configured; the key and limit are read at start-up.</remarks>
    public static WebApplication UseBridgeSecurity(this WebApplication app)
    {
        var bridge = BridgeOptions.From(app.Configuration);
        app.UseCors(CorsPolicy);
        if (!string.IsNullOrEmpty(bridge.ApiKey))
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        if (bridge.RateLimit.PermitsPerSecond is > 0)
        {
            app.UseRateLimiter();
        }

        return app;
    }

    /// <summary>
    /// Refuses to start on a non-loopback address without an API key: the bridge sends as its user
    /// and reads their inbox, so an open port on the network would hand that to anyone.
    /// </summary>
    public static WebApplicationBuilder RequireKeyForRemoteListening(this WebApplicationBuilder builder)
    {
        var remote = RemoteAddressesWithoutKey(builder.Configuration);
        if (remote.Count > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to listen on {string.Join(", ", remote)} without an API key: anyone who reaches this port could send as you and read your messages. " +
                "Set Bridge:ApiKey (e.g. --Bridge:ApiKey=<long random key> or the Bridge__ApiKey environment variable), " +
                "listen on loopback (--urls=http://127.0.0.1:5977), or, if something else guards the port, set Bridge:AllowUnauthenticatedRemote=true.");
        }

        return builder;
    }

    /// <summary>The configured listen addresses (http and https alike) that are not loopback, when no key guards them; empty when starting is fine.</summary>
    internal static IReadOnlyList<string> RemoteAddressesWithoutKey(IConfiguration configuration)
    {
        var bridge = BridgeOptions.From(configuration);
        if (!string.IsNullOrEmpty(bridge.ApiKey) || bridge.AllowUnauthenticatedRemote)
        {
            return [];
        }

        return [.. ListenAddresses.Configured(configuration).Where(url => !IsLoopback(url))];
    }

    internal static bool IsLoopback(string url)
    {
        var hostStart = url.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : 0;
        var rest = url[hostStart..];
        var host = rest.StartsWith('[') ? rest[1..rest.IndexOf(']', StringComparison.Ordinal)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
