using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using NymBridge.Api.Http;

namespace NymBridge.Api.Sending;

/// <summary>A send's body as read: JSON, or the raw payload of application/octet-stream.</summary>
public readonly record struct SendContent(bool IsJson, ReadOnlyMemory<byte> Body);

/// <summary>
/// A send's content type and body limits: which of the two forms it is, and its body, read whole within the limit of
/// that form. A JSON body may be twice the payload limit plus some room: Base64 and escapes make text longer than its bytes.
/// </summary>
public sealed class SendContentReader(IOptions<BridgeOptions> bridge)
{
    public const int JsonOverheadBytes = 64 * 1024;

    private int MaxMessageBytes => bridge.Value.MaxMessageBytes;

    /// <summary>The largest JSON body a send may have.</summary>
    public long MaxJsonBytes => 2L * MaxMessageBytes + JsonOverheadBytes;

    public async Task<(SendContent Content, SendParse? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        var isJson = IsJson(mediaType);
        var isBytes = string.Equals(mediaType, "application/octet-stream", StringComparison.OrdinalIgnoreCase);
        if (!isJson && !isBytes)
        {
            return Fail(Problems.UnsupportedMediaType(
                $"Content-Type '{request.ContentType ?? "(none)"}' is not supported. Send application/json with message or messageBase64, " +
                "or application/octet-stream with the payload as the body and the other fields in the query string."));
        }

        var limit = isJson ? MaxJsonBytes : MaxMessageBytes;
        ReadOnlyMemory<byte>? body;
        try
        {
            body = await BodyReader.ReadAsync(request, limit, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            return Fail(Problems.Validation("body", "The body is shorter than its Content-Length."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            // Kestrel's word for a body that ended before its Content-Length (the client stopped sending)
            // or a malformed chunked body: the caller's mistake, not an unhandled error.
            return Fail(Problems.Validation("body", "The body could not be read: it ended before its Content-Length, or its chunked encoding is malformed."));
        }

        if (body is null)
        {
            return Fail(Problems.TooLarge(isJson
                ? $"The JSON body is over {limit} bytes. Payloads are limited to {MaxMessageBytes} bytes (Bridge:MaxMessageBytes); send large payloads as application/octet-stream."
                : $"The payload is over {MaxMessageBytes} bytes (Bridge:MaxMessageBytes)."));
        }

        return (new SendContent(isJson, body.Value), null);
    }

    /// <summary>application/json or any <c>+json</c> type.</summary>
    public static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                                  || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static (SendContent, SendParse?) Fail(ProblemHttpResult problem) => (default, SendParse.Fail(problem));
}
