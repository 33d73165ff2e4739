namespace NymBridge.Api.Security;

public static class SecurityApplicationBuilderExtensions
{
    /// <remarks>
    /// Authentication runs only when a key is configured (its services exist only then). The rate limiter
    /// always runs: without <c>Bridge:RateLimit:PermitsPerSecond</c> it has no limiter and passes every request on.
    /// </remarks>
    public static WebApplication UseBridgeSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseCors(SecurityServiceCollectionExtensions.CorsPolicy);
        if (StartupSecurity.HasApiKey(app.Configuration))
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        app.UseRateLimiter();
        return app;
    }
}
