using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace NymBridge.Tests.OpenApi;

/// <summary>
/// The served OpenAPI document as a contract to check real traffic against: finds the operation of a request
/// by method and path template, the response by status and media type, and validates bodies, headers and
/// parameters with a JSON Schema validator (JsonSchema.Net), never by hand.
/// </summary>
/// <remarks>
/// The document is OpenAPI 3.0, whose schemas are a dialect of JSON Schema: <c>nullable: true</c> is turned into
/// a <c>"null"</c> type, <c>#/components/schemas/X</c> into <c>#/$defs/X</c>, and the annotation <c>example</c>
/// dropped, as OpenAPI's own validators do. Formats are asserted (a <c>date-time</c> must be one).
/// </remarks>
internal sealed partial class OpenApiContract
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _document;
    private readonly JsonObject _defs;

    private OpenApiContract(JsonObject document)
    {
        _document = document;
        _defs = new JsonObject();
        foreach (var (name, schema) in document["components"]?["schemas"]?.AsObject() ?? [])
        {
            _defs[name] = ToJsonSchema(schema);
        }
    }

    public static async Task<OpenApiContract> LoadAsync(HttpClient client) =>
        new(JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json").DefaultTimeout())!.AsObject());

    /// <summary>Every (method, path template, status) the document says can happen.</summary>
    public IEnumerable<string> DocumentedResponses() =>
        from path in _document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        from response in operation.Value!["responses"]!.AsObject()
        select $"{operation.Key.ToUpperInvariant()} {path.Key} {response.Key}";

    /// <summary>The path template of the document that <paramref name="path"/> (no query) is an instance of.</summary>
    public string TemplateOf(string method, string path)
    {
        foreach (var (template, item) in _document["paths"]!.AsObject())
        {
            var pattern = "^" + TemplateParameter().Replace(Regex.Escape(template).Replace("\\{", "{", StringComparison.Ordinal), "[^/]+") + "$";
            if (Regex.IsMatch(path, pattern) && item![method.ToLowerInvariant()] is not null)
            {
                return template;
            }
        }

        throw new Xunit.Sdk.XunitException($"The document has no operation for {method} {path}.");
    }

    /// <summary>Checks a real response: its status, media type, headers and body are what the document says for this operation.</summary>
    public async Task AssertConformsAsync(HttpRequestMessage request, HttpResponseMessage response, byte[]? body)
    {
        var method = request.Method.Method;
        var path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString.Split('?')[0];
        var template = TemplateOf(method, path);
        var operation = _document["paths"]![template]![method.ToLowerInvariant()]!;
        var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        var described = operation["responses"]![status] ?? operation["responses"]!["default"]
                        ?? throw new Xunit.Sdk.XunitException($"{method} {template} answered {status}, which the document does not list (it lists {string.Join(", ", operation["responses"]!.AsObject().Select(r => r.Key))}).");

        foreach (var (name, header) in described["headers"]?.AsObject() ?? [])
        {
            Assert.True(response.Headers.TryGetValues(name, out var values), $"{method} {template} {status}: the documented header {name} is missing.");
            AssertValid(header!["schema"]!, ParameterValue(header["schema"]!, values.Single()), $"{method} {template} {status} header {name}");
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        var content = described["content"]?.AsObject();
        if (contentType is null)
        {
            Assert.True(body is null or { Length: 0 }, $"{method} {template} {status}: a body without a Content-Type.");
            if (content is { Count: > 0 })
            {
                Assert.Fail($"{method} {template} {status}: the document describes content ({string.Join(", ", content.Select(c => c.Key))}) but the response has none.");
            }

            return;
        }

        var media = content?[contentType]
                    ?? throw new Xunit.Sdk.XunitException($"{method} {template} {status} answered {contentType}, which the document does not list for it ({string.Join(", ", content?.Select(c => c.Key) ?? [])}).");
        var schema = media["schema"] ?? throw new Xunit.Sdk.XunitException($"{method} {template} {status} {contentType}: no schema.");
        if (contentType == "application/json" || contentType.EndsWith("+json", StringComparison.Ordinal))
        {
            Assert.NotNull(body);
            AssertValid(schema, JsonNode.Parse(body), $"{method} {template} {status} {contentType}");
        }
        else
        {
            // Bytes or a stream: the document must say it is a string of them (a generated client then reads the body).
            Assert.Equal("string", schema["type"]?.GetValue<string>());
            if (contentType == "application/octet-stream")
            {
                Assert.Equal("binary", schema["format"]?.GetValue<string>());
            }
        }
    }

    /// <summary>Checks that the path and query values a request sent are valid for the operation's documented parameters.</summary>
    public void AssertParametersConform(HttpRequestMessage request, params string[] undocumented)
    {
        var method = request.Method.Method;
        // HttpClient makes the request's URI absolute once sent.
        var uri = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.PathAndQuery : request.RequestUri.OriginalString;
        var path = uri.Split('?')[0];
        var template = TemplateOf(method, path);
        var parameters = _document["paths"]![template]![method.ToLowerInvariant()]!["parameters"]?.AsArray() ?? [];

        var pathValues = template.Split('/').Zip(path.Split('/'))
            .Where(p => p.First.StartsWith('{'))
            .Select(p => (Name: p.First.Trim('{', '}'), In: "path", Value: Uri.UnescapeDataString(p.Second)));
        var queryValues = (uri.Contains('?', StringComparison.Ordinal) ? uri[(uri.IndexOf('?', StringComparison.Ordinal) + 1)..] : "")
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Name: Uri.UnescapeDataString(pair[0]), In: "query", Value: Uri.UnescapeDataString(pair.Length > 1 ? pair[1] : "")));
        var headerValues = request.Headers
            .Where(h => parameters.Any(p => p!["in"]!.GetValue<string>() == "header" && string.Equals(p["name"]!.GetValue<string>(), h.Key, StringComparison.OrdinalIgnoreCase)))
            .Select(h => (Name: h.Key, In: "header", Value: h.Value.Single()));

        foreach (var (name, location, value) in pathValues.Concat(queryValues).Concat(headerValues).Where(v => !undocumented.Contains(v.Name)))
        {
            var parameter = parameters.FirstOrDefault(p => p!["in"]!.GetValue<string>() == location && string.Equals(p["name"]!.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase))
                            ?? throw new Xunit.Sdk.XunitException($"{method} {template}: the {location} parameter {name} is not documented.");
            AssertValid(parameter["schema"]!, ParameterValue(parameter["schema"]!, value), $"{method} {template} {location} parameter {name}={value}");
        }
    }

    /// <summary>Validates a value against a named schema of the document's components.</summary>
    public void AssertMatchesComponent(string component, JsonNode? value, string what)
    {
        Assert.True(_defs.ContainsKey(component), $"the document has no schema {component}");
        AssertValid(new JsonObject { ["$ref"] = $"#/components/schemas/{component}" }, value, what);
    }

    private void AssertValid(JsonNode schema, JsonNode? instance, string what)
    {
        var root = ToJsonSchema(schema)!.AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = _defs.DeepClone();
        var compiled = JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var result = compiled.Evaluate(document.RootElement, Evaluation);
        if (!result.IsValid)
        {
            var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} ({e.Key} at {d.EvaluationPath})"));
            throw new Xunit.Sdk.XunitException($"{what} does not match its documented schema:\n  {string.Join("\n  ", errors)}\nvalue: {Truncate(instance?.ToJsonString())}\nschema: {Truncate(schema.ToJsonString())}");
        }
    }

    /// <summary>A parameter's text as the JSON value a client would have typed it as: a number for an integer schema.</summary>
    private static JsonValue? ParameterValue(JsonNode schema, string text) =>
        schema["type"]?.GetValue<string>() is "integer" or "number" && decimal.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(text);

    /// <summary>OpenAPI 3.0's schema dialect to JSON Schema 2020-12.</summary>
    private static JsonNode? ToJsonSchema(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
            {
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    switch (key)
                    {
                        case "example" or "nullable":
                            break;
                        case "$ref":
                            result["$ref"] = value!.GetValue<string>().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                            break;
                        case "properties" or "patternProperties":
                            // Names here are property names, not keywords: convert the schemas, keep every name.
                            result[key] = new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, ToJsonSchema(p.Value))));
                            break;
                        default:
                            result[key] = ToJsonSchema(value);
                            break;
                    }
                }

                if (obj["nullable"]?.GetValue<bool>() == true)
                {
                    // Beside allOf/oneOf/anyOf (a nullable reference), null is an alternative to the whole schema.
                    if (result["type"] is JsonValue type && result["allOf"] is null && result["oneOf"] is null && result["anyOf"] is null)
                    {
                        result["type"] = new JsonArray(type.GetValue<string>(), "null");
                    }
                    else
                    {
                        return new JsonObject { ["anyOf"] = new JsonArray(result, new JsonObject { ["type"] = "null" }) };
                    }
                }

                return result;
            }

            case JsonArray array:
                return new JsonArray([.. array.Select(ToJsonSchema)]);
            default:
                return node?.DeepClone();
        }
    }

    private static string Truncate(string? text) => text is null ? "null" : text.Length <= 600 ? text : text[..600] + "…";

    [GeneratedRegex(@"\{[^/}]+\}")]
    private static partial Regex TemplateParameter();
}
