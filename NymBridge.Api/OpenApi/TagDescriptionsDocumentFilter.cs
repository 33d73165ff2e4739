using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace NymBridge.Api.OpenApi;

/// <summary>What each tag groups, shown as the section headings of Swagger UI. A feature with a new tag adds its line.</summary>
internal sealed class TagDescriptionsDocumentFilter : IDocumentFilter
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["Sending"] = "Send through the mixnet: to an address, anonymously with reply SURBs, or as a reply to a sender tag.",
        ["Connections"] = "nym-client's lanes (connection ids): queue lengths and closing.",
        ["Messages"] = "Inbound messages and nym-client errors: long-poll, raw payloads and Server-Sent Events.",
        ["Status"] = "The bridge's own state: its address, counters, liveness and readiness.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        foreach (var tag in swaggerDoc.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            if (tag.Name is { } name && Descriptions.TryGetValue(name, out var description))
            {
                tag.Description ??= description;
            }
        }
    }
}
