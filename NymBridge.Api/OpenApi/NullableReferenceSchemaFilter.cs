using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>
/// A nullable property of a component type (<c>lastError: null</c>) is written as <c>allOf: [$ref]</c> with
/// <c>nullable: true</c>; OpenAPI 3.0 tools (redocly's <c>nullable-type-sibling</c>) want a <c>type</c> beside
/// <c>nullable</c>, so it gets <c>type: object</c>.
/// </summary>
internal sealed class NullableReferenceSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is OpenApiSchema { AllOf.Count: > 0, Type: JsonSchemaType.Null } concrete)
        {
            concrete.Type = JsonSchemaType.Object | JsonSchemaType.Null;
        }
    }
}
