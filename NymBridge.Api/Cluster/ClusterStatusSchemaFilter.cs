using Microsoft.OpenApi;
using NymBridge.Api.Status;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.Cluster;

/// <summary>
/// Documents the optional <c>cluster</c> entry of <c>/status</c>'s open <c>components</c> map (present only in
/// cluster mode), so clients know its shape; the other entries stay free-form, as before.
/// </summary>
internal sealed class ClusterStatusSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type != typeof(BridgeStatus)
            || schema.Properties is null
            || !schema.Properties.TryGetValue("components", out var found)
            || found is not OpenApiSchema components)
        {
            return;
        }

        components.Properties ??= new Dictionary<string, IOpenApiSchema>();
        components.Properties["cluster"] = new OpenApiSchema
        {
            AllOf = [context.SchemaGenerator.GenerateSchema(typeof(ClusterStatus), context.SchemaRepository)],
            Description = "Only in cluster mode (Cluster:Redis set): this instance, its role, the leader and whether Redis is connected and durable.",
        };
        components.Description ??= "Each part's own counters, by name: inbox, subscribers, webhooks, and in cluster mode cluster.";
    }
}
