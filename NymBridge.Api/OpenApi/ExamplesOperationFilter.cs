using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using NymBridge.Api.Nym;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>
/// Puts the endpoint metadata of <see cref="EndpointOpenApiExtensions"/> into the document: request
/// and response examples, and the application/octet-stream form of the send endpoints.
/// </summary>
internal sealed class ExamplesOperationFilter(IOptions<NymOptions> nym) : IOperationFilter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;

        foreach (var response in metadata.OfType<ResponseExampleMetadata>())
        {
            var key = response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(key, out var described) == true
                && described.Content?.TryGetValue("application/json", out var content) == true
                && content is OpenApiMediaType media)
            {
                media.Example = JsonSerializer.SerializeToNode(response.Example, response.Example.GetType(), Json);
            }
        }

        if (metadata.OfType<SendBodyMetadata>().FirstOrDefault() is { } body)
        {
            var example = metadata.OfType<RequestExampleMetadata>().FirstOrDefault()?.Example;
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType
                    {
                        Schema = context.SchemaGenerator.GenerateSchema(body.JsonBody, context.SchemaRepository),
                        Example = example is null ? null : JsonSerializer.SerializeToNode(example, example.GetType(), Json),
                    },
                    ["application/octet-stream"] = new OpenApiMediaType
                    {
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The payload bytes." },
                    },
                },
            };
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = false,
                Description = "Optional. A repeat of the same key within 10 minutes returns the first result and sends nothing; the same key with a different request is 422.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
            });
            foreach (var field in body.QueryFields)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = field.Name,
                    In = ParameterLocation.Query,
                    Required = false,
                    Description = field.Description + (field.Required ? " Required with application/octet-stream." : "") + " Only with application/octet-stream; in JSON it is a body field.",
                    Schema = field is { Type: "integer", Minimum: { } minimum, Maximum: { } maximum }
                        ? OpenApiIntegerAttribute.Schema(minimum, OpenApiIntegerAttribute.Bound(maximum, nym.Value))
                        : new OpenApiSchema { Type = field.Type == "integer" ? JsonSchemaType.Integer : JsonSchemaType.String },
                });
            }
        }
    }
}
