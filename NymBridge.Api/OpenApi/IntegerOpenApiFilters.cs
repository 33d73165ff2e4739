using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NymBridge.Api.Nym;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>Puts <see cref="OpenApiIntegerAttribute"/> of handler parameters into the operation's parameters.</summary>
internal sealed class IntegerParametersOperationFilter(IOptions<NymOptions> nym) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.Parameters is null || context.MethodInfo is null)
        {
            return;
        }

        foreach (var parameter in context.MethodInfo.GetParameters())
        {
            if (parameter.GetCustomAttribute<OpenApiIntegerAttribute>() is not { } integer)
            {
                continue;
            }

            var name = parameter.GetCustomAttribute<FromHeaderAttribute>()?.Name
                       ?? parameter.GetCustomAttribute<FromQueryAttribute>()?.Name
                       ?? parameter.GetCustomAttribute<FromRouteAttribute>()?.Name
                       ?? parameter.Name;
            foreach (var described in operation.Parameters.OfType<OpenApiParameter>())
            {
                if (string.Equals(described.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    described.Schema = OpenApiIntegerAttribute.Schema(integer.Minimum, OpenApiIntegerAttribute.Bound(integer.Maximum, nym.Value));
                }
            }
        }
    }
}

/// <summary>Puts <see cref="OpenApiIntegerAttribute"/> of body and result properties into their schemas.</summary>
internal sealed class IntegerPropertiesSchemaFilter(IOptions<NymOptions> nym) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is OpenApiSchema concrete && context.MemberInfo?.GetCustomAttribute<OpenApiIntegerAttribute>() is { } integer)
        {
            var described = OpenApiIntegerAttribute.Schema(integer.Minimum, OpenApiIntegerAttribute.Bound(integer.Maximum, nym.Value));
            concrete.Format = described.Format;
            concrete.Minimum = described.Minimum;
            concrete.Maximum = described.Maximum;
        }
    }
}
