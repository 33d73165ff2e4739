using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>
/// Says in the document what the access rules of <c>Security/</c> do, for every endpoint, those mapped later
/// included: with <c>Bridge:ApiKey</c> set, every operation without <c>AllowAnonymous</c> needs the key and can
/// answer 401, and the open ones say they need nothing; without a key nothing is required (a validating proxy
/// must not refuse calls the bridge accepts). With <c>Bridge:RateLimit:PermitsPerSecond</c>, every operation
/// can answer 429. Every 429 and 503 carries <c>Retry-After</c>.
/// </summary>
internal sealed class AccessOperationFilter(IOptions<BridgeOptions> bridge) : IOperationFilter
{
    public const string ApiKeyScheme = "apiKey", BearerScheme = "bearer";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var options = bridge.Value;
        operation.Responses ??= [];
        // An empty list is OpenAPI's "this operation needs nothing", said outright rather than left to a missing field.
        var open = string.IsNullOrEmpty(options.ApiKey) || context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any();
        operation.Security = open
            ? []
            :
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
            ];
        if (!open)
        {
            AddProblem(operation, context, StatusCodes.Status401Unauthorized,
                "The API key is missing or wrong: send Authorization: Bearer <key> or X-Api-Key: <key> (event streams and SignalR: ?access_token=<key>).");
        }

        if (options.RateLimit.PermitsPerSecond is > 0)
        {
            AddProblem(operation, context, StatusCodes.Status429TooManyRequests,
                "Over Bridge:RateLimit:PermitsPerSecond for this client address; retry after Retry-After seconds.");
        }

        foreach (var (status, response) in operation.Responses)
        {
            if (status is "429" or "503" && response is OpenApiResponse described)
            {
                described.Headers ??= new Dictionary<string, IOpenApiHeader>();
                described.Headers.TryAdd("Retry-After", new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" },
                });
            }
        }
    }

    /// <summary>The security schemes the requirements refer to, only when a key is configured (the Authorize button of Swagger UI).</summary>
    internal static void AddSchemes(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Security.ApiKeyAuthenticationHandler.HeaderName,
            Description = "The bridge's Bridge:ApiKey.",
        });
        options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The bridge's Bridge:ApiKey as a bearer token.",
        });
    }

    private static void AddProblem(OpenApiOperation operation, OperationFilterContext context, int status, string description)
    {
        operation.Responses!.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository) },
            },
        });
    }
}
