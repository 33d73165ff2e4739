using System.Globalization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>
/// Gives every response declared with <c>Produces(status, contentType: ...)</c> in a non-JSON media type its
/// content. The framework describes a response without a CLR type as having no body at all, so a generated
/// client of <c>GET /messages/{seq}/payload</c> was told there are no bytes to read.
/// </summary>
internal sealed class ResponseContentOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var produces in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IProducesResponseTypeMetadata>())
        {
            var key = produces.StatusCode.ToString(CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(key, out var response) != true || response is not OpenApiResponse described)
            {
                continue;
            }

            foreach (var contentType in produces.ContentTypes.Where(c => !IsJson(c)))
            {
                described.Content ??= new Dictionary<string, IOpenApiMediaType>();
                if (!described.Content.ContainsKey(contentType))
                {
                    described.Content[contentType] = new OpenApiMediaType { Schema = SchemaFor(contentType) };
                }
            }
        }
    }

    private static OpenApiSchema SchemaFor(string contentType) => contentType switch
    {
        "text/event-stream" => new OpenApiSchema { Type = JsonSchemaType.String, Description = "A stream of Server-Sent Events (see the operation's description)." },
        _ when contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) => new OpenApiSchema { Type = JsonSchemaType.String },
        _ => new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
    };

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Split(';')[0].EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
