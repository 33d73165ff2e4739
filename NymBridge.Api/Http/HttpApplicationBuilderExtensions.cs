namespace NymBridge.Api.Http;

public static class HttpApplicationBuilderExtensions
{
    /// <summary>Unhandled exceptions and bare status codes become problem details (see <see cref="HttpServiceCollectionExtensions.AddBridgeHttp"/>).</summary>
    public static WebApplication UseBridgeHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
