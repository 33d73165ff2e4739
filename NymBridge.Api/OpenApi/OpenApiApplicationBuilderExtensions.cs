namespace NymBridge.Api.OpenApi;

public static class OpenApiApplicationBuilderExtensions
{
    private const string DocumentPath = "/swagger/v1/swagger.json";

    /// <summary>Served in every environment: the bridge is a local tool and this is its manual.</summary>
    /// <remarks>
    /// In a branch for /swagger only: Swashbuckle's middlewares otherwise resolve a document generator
    /// and match a regex on every request, sends included, and the first request of any kind would
    /// load the XML comments.
    /// </remarks>
    public static WebApplication UseBridgeSwagger(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI(options =>
            {
                options.SwaggerEndpoint(DocumentPath, "NymBridge v1");
                options.DocumentTitle = "NymBridge API";
            });
        });
        return app;
    }
}
