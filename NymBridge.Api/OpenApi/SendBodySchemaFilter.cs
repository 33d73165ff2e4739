using Microsoft.OpenApi;
using NymBridge.Api.Sending;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>
/// Describes the fields of the send bodies with the words of <see cref="SendFields"/>, the same ones their query
/// parameters get: each field is described once, for every kind that has it.
/// </summary>
internal sealed class SendBodySchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (SendKinds.All.FirstOrDefault(k => k.JsonBody == context.Type) is not { } kind || schema.Properties is null)
        {
            return;
        }

        foreach (var (name, property) in schema.Properties)
        {
            if (property is OpenApiSchema concrete && kind.FindMember(name) is { Member: var member })
            {
                concrete.Description = member.Description;
            }
        }
    }
}
