namespace NymBridge.Protocol;

/// <summary>The error kinds of nym-client's websocket protocol (websocket-requests/src/error.rs).</summary>
public enum ErrorKind : byte
{
    EmptyRequest = 0x01,
    TooShortRequest = 0x02,
    UnknownRequest = 0x03,
    MalformedRequest = 0x04,

    EmptyResponse = 0x80,
    TooShortResponse = 0x81,
    UnknownResponse = 0x82,
    MalformedResponse = 0x83,

    Other = 0xFF,
}

public static class ErrorKinds
{
    public static bool IsDefined(byte value) => Enum.IsDefined((ErrorKind)value);

    /// <summary>nym's <c>ErrorKind::as_str</c>: the prefix of an error's text form.</summary>
    public static string Describe(this ErrorKind kind) => kind switch
    {
        ErrorKind.EmptyRequest => "received request contained no data",
        ErrorKind.TooShortRequest => "received request did not contain enough data",
        ErrorKind.UnknownRequest => "unknown request type",
        ErrorKind.MalformedRequest => "malformed request",
        ErrorKind.EmptyResponse => "received response contained no data",
        ErrorKind.TooShortResponse => "received response did not contain enough data",
        ErrorKind.UnknownResponse => "unknown response type",
        ErrorKind.MalformedResponse => "malformed response",
        _ => "other",
    };

    /// <summary>The camelCase name used in the bridge's JSON (e.g. <c>malformedRequest</c>).</summary>
    public static string ToCamelCase(this ErrorKind kind) => kind switch
    {
        ErrorKind.EmptyRequest => "emptyRequest",
        ErrorKind.TooShortRequest => "tooShortRequest",
        ErrorKind.UnknownRequest => "unknownRequest",
        ErrorKind.MalformedRequest => "malformedRequest",
        ErrorKind.EmptyResponse => "emptyResponse",
        ErrorKind.TooShortResponse => "tooShortResponse",
        ErrorKind.UnknownResponse => "unknownResponse",
        ErrorKind.MalformedResponse => "malformedResponse",
        _ => "other",
    };
}
