namespace NymBridge.Api.OpenApi;

/// <summary>An example for the request body of an endpoint.</summary>
public sealed record RequestExampleMetadata(object Example);

/// <summary>An example for one response status of an endpoint.</summary>
public sealed record ResponseExampleMetadata(int StatusCode, object Example);

/// <summary>
/// A send endpoint's body: <paramref name="JsonBody"/> as application/json, or the payload as
/// application/octet-stream with these fields in the query string. Described here rather than with
/// <c>Accepts</c>, which would make routing itself refuse other content types with a bare 415.
/// </summary>
public sealed record SendBodyMetadata(Type JsonBody, IReadOnlyList<QueryField> QueryFields);

/// <param name="Minimum">For integers: the smallest value.</param>
/// <param name="Maximum">For integers: the largest value, or <see cref="OpenApiIntegerAttribute.MaxReplySurbs"/> for the configured bound.</param>
public sealed record QueryField(string Name, string Description, string Type, bool Required, string? Minimum = null, string? Maximum = null);
