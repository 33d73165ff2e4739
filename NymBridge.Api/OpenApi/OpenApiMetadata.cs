namespace NymBridge.Api.OpenApi;

/// <summary>An example for the request body of an endpoint.</summary>
public sealed record RequestExampleMetadata(object Example);

/// <summary>An example for one response status of an endpoint.</summary>
public sealed record ResponseExampleMetadata(int StatusCode, object Example);

/// <summary>The endpoint also takes its payload as application/octet-stream, with these fields in the query string.</summary>
public sealed record OctetStreamBodyMetadata(IReadOnlyList<QueryField> QueryFields);

public sealed record QueryField(string Name, string Description, string Type, bool Required);
