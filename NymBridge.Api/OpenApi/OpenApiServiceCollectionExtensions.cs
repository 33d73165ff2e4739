using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using NymBridge.Api.Http;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

public static class OpenApiServiceCollectionExtensions
{
    /// <summary>
    /// The OpenAPI document of every endpoint (XML comments, examples, integer ranges, the API key's scheme when one
    /// is configured), served by <see cref="OpenApiApplicationBuilderExtensions.UseBridgeSwagger"/>.
    /// </summary>
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
            // Relative first: Swagger UI's "Try it out" and generated clients then talk to the bridge that served the
            // document, wherever it listens; the default listen address for tools that need an absolute URL.
            options.AddServer(new OpenApiServer { Url = "/", Description = "The bridge that serves this document." });
            options.AddServer(new OpenApiServer { Url = HttpConfiguration.DefaultUrl, Description = "The default listen address (--urls changes it)." });
            options.OperationFilter<ExamplesOperationFilter>();
            options.OperationFilter<ResponseContentOperationFilter>();
            options.OperationFilter<IntegerParametersOperationFilter>();
            options.OperationFilter<AccessOperationFilter>();
            options.SchemaFilter<IntegerPropertiesSchemaFilter>();
            options.SchemaFilter<NullableReferenceSchemaFilter>();
            options.SchemaFilter<SendBodySchemaFilter>();
            options.SchemaFilter<Cluster.ClusterStatusSchemaFilter>();
            options.DocumentFilter<TagDescriptionsDocumentFilter>();
            options.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, $"{typeof(OpenApiServiceCollectionExtensions).Assembly.GetName().Name}.xml"));

            // int64 cannot hold every ulong (lanes, connection ids): an integer with its real range, no format.
            options.MapType<ulong>(() => OpenApiIntegerAttribute.Schema("0", OpenApiIntegerAttribute.UInt64Max));
            options.SupportNonNullableReferenceTypes();
            // A nullable property of a component type (lastError: null) must say so: a bare $ref cannot be nullable in OpenAPI 3.0.
            options.UseAllOfToExtendReferenceSchemas();
        });

        // The Authorize button and the schemes the operations' requirements name: only when a key is configured.
        services.AddOptions<SwaggerGenOptions>().Configure<IOptions<BridgeOptions>>((options, bridge) =>
        {
            if (!string.IsNullOrEmpty(bridge.Value.ApiKey))
            {
                AccessOperationFilter.AddSchemes(options);
            }
        });
        return services;
    }
}
