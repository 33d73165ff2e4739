using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>The outcome of reading a send: a request ready for nym-client, or the problem to answer.</summary>
public readonly record struct SendParse(ClientRequest? Request, ProblemHttpResult? Problem);

/// <summary>
/// Turns a send's HTTP request (JSON body, or raw bytes with the other fields in the query) into a
/// nym request, or a 4xx that says what to fix. Everything nym-client would reject is caught here:
/// its errors arrive later, uncorrelated, so nothing invalid may reach it.
/// </summary>
public sealed class SendRequestParser(IOptions<BridgeOptions> bridge, IOptions<NymOptions> nym)
{
    public const uint DefaultReplySurbs = 20;
    private const int JsonOverheadBytes = 64 * 1024;

    // Strict on purpose: "20" for a number and unknown fields (a typo of "recipient") are errors, not guesses.
    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly JsonWriterOptions CompactJson = new()
    {
        Indented = false,
        // Keep non-ASCII text as it was written instead of \u-escaping it: the payload is its UTF-8.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private int MaxMessageBytes => bridge.Value.MaxMessageBytes;

    public async Task<SendParse> ParseAsync(HttpRequest request, SendKind kind, CancellationToken cancellationToken)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        var isJson = mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                                               || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        var isBytes = string.Equals(mediaType, "application/octet-stream", StringComparison.OrdinalIgnoreCase);
        if (!isJson && !isBytes)
        {
            return Fail(Problems.UnsupportedMediaType(
                $"Content-Type '{request.ContentType ?? "(none)"}' is not supported. Send application/json with message or messageBase64, " +
                "or application/octet-stream with the payload as the body and the other fields in the query string."));
        }

        var limit = isJson ? 2L * MaxMessageBytes + JsonOverheadBytes : MaxMessageBytes;
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

        return isJson ? ParseJson(body.Value, kind) : ParseBytes(body.Value, request.Query, kind);
    }

    private SendParse ParseJson(ReadOnlyMemory<byte> body, SendKind kind)
    {
        if (body.IsEmpty)
        {
            return Fail(Problems.Validation("body", "The body is empty; send a JSON object such as {\"recipient\": \"...\", \"message\": \"hello\"}."));
        }

        try
        {
            return kind switch
            {
                SendKind.Send => Validate(Deserialize<SendBody>(body)),
                SendKind.SendAnonymous => Validate(Deserialize<SendAnonymousBody>(body)),
                _ => Validate(Deserialize<ReplyBody>(body)),
            };
        }
        catch (JsonException e)
        {
            return Fail(JsonProblem(e, kind));
        }
    }

    /// <summary>Checks a send given as an object (JSON body or SignalR argument) and builds its frame.</summary>
    public SendParse Validate(SendBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Errors();
        var recipient = ParseRecipient(body.Recipient, errors);
        var payload = ParsePayload(body.Message, body.MessageBase64, errors);
        var id = ParseConnectionId(body.ConnectionId, errors);
        return errors.Any ? Fail(errors) : CheckSize(payload) ?? Ok(new SendRequest(recipient!, payload, id));
    }

    public SendParse Validate(SendAnonymousBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Errors();
        var recipient = ParseRecipient(body.Recipient, errors);
        var payload = ParsePayload(body.Message, body.MessageBase64, errors);
        var surbs = ParseReplySurbs(body.ReplySurbs, errors);
        var id = ParseConnectionId(body.ConnectionId, errors);
        return errors.Any ? Fail(errors) : CheckSize(payload) ?? Ok(new SendAnonymousRequest(recipient!, payload, surbs, id));
    }

    public SendParse Validate(ReplyBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Errors();
        var tag = ParseSenderTag(body.SenderTag, errors);
        var payload = ParsePayload(body.Message, body.MessageBase64, errors);
        var id = ParseConnectionId(body.ConnectionId, errors);
        return errors.Any ? Fail(errors) : CheckSize(payload) ?? Ok(new ReplyRequest(tag, payload, id));
    }

    /// <summary>
    /// A webhook's <c>application/json</c> answer as a reply to the event it answers: the body of <c>POST /reply</c>,
    /// with the same rules and error texts, where <c>senderTag</c> may be omitted (it is the event's).
    /// </summary>
    public SendParse ParseReplyJson(ReadOnlyMemory<byte> body, SenderTag eventTag)
    {
        try
        {
            var reply = Deserialize<ReplyBody>(body);
            var tag = eventTag.ToString();
            if (reply.SenderTag is { } given && !string.Equals(given, tag, StringComparison.Ordinal))
            {
                return Fail(Problems.Validation("senderTag", "senderTag must be omitted or be the event's own: a webhook answer replies to the event it answers."));
            }

            return Validate(reply with { SenderTag = tag });
        }
        catch (JsonException e)
        {
            return Fail(JsonProblem(e, SendKind.Reply));
        }
    }

    private SendParse ParseBytes(ReadOnlyMemory<byte> body, IQueryCollection query, SendKind kind)
    {
        var errors = new Errors();
        if (body.IsEmpty)
        {
            errors.Add("body", "The body is empty. Send the payload as the body, or send JSON with \"message\": \"\" for an empty message.");
        }

        foreach (var key in query.Keys)
        {
            if (!AllowedQueryKeys(kind).Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(key, $"Unknown query parameter '{key}'; expected {string.Join(", ", AllowedQueryKeys(kind))}.");
            }
        }

        var id = ParseConnectionId(Single(query, "connectionId", errors), errors);
        ClientRequest? request = null;
        switch (kind)
        {
            case SendKind.Send:
                var recipient = ParseRecipient(Single(query, "recipient", errors), errors);
                if (!errors.Any)
                {
                    request = new SendRequest(recipient!, body, id);
                }

                break;
            case SendKind.SendAnonymous:
                var anonymousRecipient = ParseRecipient(Single(query, "recipient", errors), errors);
                var surbsText = Single(query, "replySurbs", errors);
                long? surbs = null;
                if (surbsText is not null)
                {
                    if (long.TryParse(surbsText, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    {
                        surbs = n;
                    }
                    else
                    {
                        errors.Add("replySurbs", $"replySurbs must be an integer from 0 to {nym.Value.MaxReplySurbs}.");
                    }
                }

                var replySurbs = ParseReplySurbs(surbs, errors);
                if (!errors.Any)
                {
                    request = new SendAnonymousRequest(anonymousRecipient!, body, replySurbs, id);
                }

                break;
            default:
                var tag = ParseSenderTag(Single(query, "senderTag", errors), errors);
                if (!errors.Any)
                {
                    request = new ReplyRequest(tag, body, id);
                }

                break;
        }

        return errors.Any ? Fail(errors) : Ok(request!);
    }

    /// <summary>Parses a connection id given in a path or query: 1 to 2^64-1.</summary>
    public static bool TryParseConnectionId(string? text, out ulong id, out string error)
    {
        error = "";
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id != 0)
        {
            return true;
        }

        error = $"'{Truncate(text)}' is not a connection id: use an integer from 1 to {ulong.MaxValue} (0 means no connection on the wire).";
        return false;
    }

    private static string[] AllowedQueryKeys(SendKind kind) => kind switch
    {
        SendKind.Send => ["recipient", "connectionId"],
        SendKind.SendAnonymous => ["recipient", "replySurbs", "connectionId"],
        _ => ["senderTag", "connectionId"],
    };

    private static string? Single(IQueryCollection query, string key, Errors errors)
    {
        var values = query[key];
        if (values.Count > 1)
        {
            errors.Add(key, $"{key} is given {values.Count} times; give it once.");
            return null;
        }

        return values.Count == 1 ? values[0] : null;
    }

    private static T Deserialize<T>(ReadOnlyMemory<byte> body) where T : class =>
        JsonSerializer.Deserialize<T>(body.Span, StrictJson)
        ?? throw new JsonException("The body must be a JSON object, not null.", "$", null, null);

    private static NymAddress? ParseRecipient(string? text, Errors errors)
    {
        if (text is null)
        {
            errors.Add("recipient", "recipient is required: the Nym address <identity>.<encryption>@<gateway>.");
            return null;
        }

        if (NymAddress.TryParse(text, out var address, out var error))
        {
            return address;
        }

        errors.Add("recipient", error);
        return null;
    }

    private static SenderTag ParseSenderTag(string? text, Errors errors)
    {
        if (text is null)
        {
            errors.Add("senderTag", "senderTag is required: the senderTag of a received message (16 bytes, Base58).");
            return default;
        }

        if (SenderTag.TryParse(text, out var tag, out var error))
        {
            return tag;
        }

        errors.Add("senderTag", error);
        return default;
    }

    private uint ParseReplySurbs(long? value, Errors errors)
    {
        var max = nym.Value.MaxReplySurbs;
        if (value is null)
        {
            return (uint)Math.Min(DefaultReplySurbs, max);
        }

        if (value < 0 || value > max)
        {
            errors.Add("replySurbs", $"replySurbs must be from 0 to {max} (Nym:MaxReplySurbs); got {value}.");
            return 0;
        }

        return (uint)value.Value;
    }

    private static ulong? ParseConnectionId(ulong? value, Errors errors)
    {
        if (value == 0)
        {
            errors.Add("connectionId", $"connectionId must be from 1 to {ulong.MaxValue}; omit it for none (0 means none on the wire).");
        }

        return value;
    }

    private static ulong? ParseConnectionId(string? text, Errors errors)
    {
        if (text is null)
        {
            return null;
        }

        if (TryParseConnectionId(text, out var id, out var error))
        {
            return id;
        }

        errors.Add("connectionId", error);
        return null;
    }

    private static ReadOnlyMemory<byte> ParsePayload(JsonElement? message, string? base64, Errors errors)
    {
        var hasMessage = message is { ValueKind: not JsonValueKind.Null };
        if (hasMessage == base64 is not null)
        {
            errors.Add(hasMessage ? "message" : "body", hasMessage
                ? "Give either message or messageBase64, not both."
                : "Give the payload as message (text or any JSON value) or messageBase64 (bytes).");
            return default;
        }

        byte[] payload;
        if (base64 is not null)
        {
            var buffer = new byte[base64.Length / 4 * 3 + 3];
            if (!Convert.TryFromBase64String(base64, buffer, out var written))
            {
                errors.Add("messageBase64", "messageBase64 is not valid Base64 (RFC 4648, with padding).");
                return default;
            }

            payload = buffer[..written];
        }
        else if (message!.Value.ValueKind == JsonValueKind.String)
        {
            try
            {
                payload = Encoding.UTF8.GetBytes(message.Value.GetString()!);
            }
            catch (InvalidOperationException)
            {
                errors.Add("message", "message contains an unpaired UTF-16 surrogate escape; it cannot be sent as UTF-8.");
                return default;
            }
        }
        else
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, CompactJson))
            {
                message.Value.WriteTo(writer);
            }

            payload = buffer.ToArray();
        }

        return payload;
    }

    private ProblemHttpResult JsonProblem(JsonException e, SendKind kind)
    {
        // Conversion errors name the field in Path; syntax errors also carry a Path, but no field is at fault.
        var conversion = e.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
        var field = conversion && e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        var message = field switch
        {
            "recipient" or "senderTag" or "messageBase64" => $"{field} must be a string.",
            "connectionId" => $"connectionId must be an integer from 1 to {ulong.MaxValue}, or omitted.",
            "replySurbs" => $"replySurbs must be an integer from 0 to {nym.Value.MaxReplySurbs}.",
            _ when e.Message.Contains("could not be mapped", StringComparison.Ordinal) =>
                $"The body has a field '{Truncate(e.Path?.TrimStart('$', '.'))}' this endpoint does not know. Allowed: {string.Join(", ", JsonFields(kind))}.",
            _ when e.Path == "$" && e.Message.Contains("could not be converted", StringComparison.Ordinal) =>
                "The body must be a JSON object.",
            _ => $"The body is not valid JSON: {Truncate(e.Message, 200)}",
        };
        if (field is not ("recipient" or "senderTag" or "messageBase64" or "connectionId" or "replySurbs"))
        {
            field = "body";
        }

        return Problems.Validation(field, message);
    }

    private static string[] JsonFields(SendKind kind) => kind switch
    {
        SendKind.Send => ["recipient", "message", "messageBase64", "connectionId"],
        SendKind.SendAnonymous => ["recipient", "message", "messageBase64", "replySurbs", "connectionId"],
        _ => ["senderTag", "message", "messageBase64", "connectionId"],
    };

    private static string Truncate(string? text, int max = 40) =>
        text is null ? "" : text.Length <= max ? text : text[..max] + "…";

    private SendParse? CheckSize(ReadOnlyMemory<byte> payload) =>
        payload.Length > MaxMessageBytes
            ? Fail(Problems.TooLarge($"The payload is {payload.Length} bytes; the limit is {MaxMessageBytes} (Bridge:MaxMessageBytes)."))
            : null;

    private static SendParse Ok(ClientRequest request) => new(request, null);
    private static SendParse Fail(ProblemHttpResult problem) => new(null, problem);
    private static SendParse Fail(Errors errors) => new(null, Problems.Validation(errors.ToDictionary()));

    /// <summary>Collects every problem of a request, so one answer lists them all.</summary>
    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = [];
        public bool Any => _errors.Count > 0;

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var list))
            {
                _errors[field] = list = [];
            }

            list.Add(message);
        }

        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}
