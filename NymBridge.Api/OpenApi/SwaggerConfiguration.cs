using Microsoft.OpenApi;

namespace NymBridge.Api.OpenApi;

public static class SwaggerConfiguration
{
    public const string DocumentPath = "/swagger/v1/swagger.json";

    public static IServiceCollection AddBridgeSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "NymBridge",
                Version = "v1",
                Description = "HTTP gateway to the Nym mixnet through nym-client. Send with POST /send, /send-anonymous and /reply " +
                              "(JSON, or raw bytes as application/octet-stream); read this client's address with GET /self-address. " +
                              "Every error is application/problem+json with a detail that says what to fix.",
            });
            options.OperationFilter<ExamplesOperationFilter>();
            options.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, $"{typeof(SwaggerConfiguration).Assembly.GetName().Name}.xml"));

            // The Authorize button: needed only when Bridge:ApiKey is set.
            options.AddSecurityDefinition("apiKey", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Api-Key",
                Description = "The bridge's Bridge:ApiKey, when one is configured (Authorization: Bearer <key> works too).",
            });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] });
            options.SupportNonNullableReferenceTypes();
        });
        return services;
    }

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
