using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace NymBridge.Protocol;

/// <summary>
/// The JSON (text frame) forms of nym's protocol (websocket-requests/src/text.rs), as serde writes them:
/// <code>
/// {"type":"send","message":"..","recipient":"..","connectionId":null}
/// {"type":"sendAnonymous","recipient":"..","message":"..","replySurbs":20,"connectionId":null}
/// {"type":"reply","senderTag":"..","message":"..","connectionId":null}
/// {"type":"selfAddress"}
/// {"type":"received","message":"..","senderTag":null}
/// {"type":"selfAddress","address":".."}
/// {"type":"laneQueueLength","lane":1,"queue_length":0}   (nym leaves this field in snake_case)
/// {"type":"error","message":"&lt;kind description&gt;:&lt;message&gt;"}
/// </code>
/// nym has no text form of ClosedConnection and GetLaneQueueLength, and text carries payloads as
/// strings: a Received payload that is not UTF-8 is replaced lossily, which is why the bridge
/// itself speaks binary.
/// </summary>
public static class TextCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string EncodeRequest(ClientRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (request)
            {
                case SendRequest r:
                    json.WriteString("type", "send");
                    json.WriteString("message", PayloadText(r.Message));
                    json.WriteString("recipient", r.Recipient.ToString());
                    WriteConnectionId(json, r.ConnectionId);
                    break;
                case SendAnonymousRequest r:
                    json.WriteString("type", "sendAnonymous");
                    json.WriteString("recipient", r.Recipient.ToString());
                    json.WriteString("message", PayloadText(r.Message));
                    json.WriteNumber("replySurbs", r.ReplySurbs);
                    WriteConnectionId(json, r.ConnectionId);
                    break;
                case ReplyRequest r:
                    json.WriteString("type", "reply");
                    json.WriteString("senderTag", r.SenderTag.ToString());
                    json.WriteString("message", PayloadText(r.Message));
                    WriteConnectionId(json, r.ConnectionId);
                    break;
                case SelfAddressRequest:
                    json.WriteString("type", "selfAddress");
                    break;
                default:
                    throw new NotSupportedException($"nym's text protocol has no form of {request.GetType().Name}; send it as a binary frame.");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static string EncodeResponse(ServerResponse response)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (response)
            {
                case ReceivedResponse r:
                    json.WriteString("type", "received");
                    json.WriteString("message", Encoding.UTF8.GetString(r.Message.Span)); // lossy, as nym's from_utf8_lossy
                    if (r.SenderTag is { } tag)
                    {
                        json.WriteString("senderTag", tag.ToString());
                    }
                    else
                    {
                        json.WriteNull("senderTag");
                    }

                    break;
                case SelfAddressResponse s:
                    json.WriteString("type", "selfAddress");
                    json.WriteString("address", s.Address.ToString());
                    break;
                case LaneQueueLengthResponse q:
                    json.WriteString("type", "laneQueueLength");
                    json.WriteNumber("lane", q.Lane);
                    json.WriteNumber("queue_length", q.QueueLength);
                    break;
                case ErrorResponse e:
                    json.WriteString("type", "error");
                    json.WriteString("message", new ProtocolError(e.Kind, e.Message).ToString());
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(response), response.GetType().Name, "Unknown response type.");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Parses a text request as nym-client does; failures are MalformedRequest, as there.</summary>
    public static bool TryDecodeRequest(string text, [NotNullWhen(true)] out ClientRequest? request, out ProtocolError error)
    {
        request = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var type = RequiredString(root, "type");
            request = type switch
            {
                "send" => new SendRequest(
                    ParseRecipient(RequiredString(root, "recipient")),
                    Encoding.UTF8.GetBytes(RequiredString(root, "message")),
                    OptionalUInt64(root, "connectionId")),
                "sendAnonymous" => new SendAnonymousRequest(
                    ParseRecipient(RequiredString(root, "recipient")),
                    Encoding.UTF8.GetBytes(RequiredString(root, "message")),
                    RequiredUInt32(root, "replySurbs"),
                    OptionalUInt64(root, "connectionId")),
                "reply" => new ReplyRequest(
                    SenderTag.TryParse(RequiredString(root, "senderTag"), out var tag, out var tagError) ? tag : throw new FormatException(tagError),
                    Encoding.UTF8.GetBytes(RequiredString(root, "message")),
                    OptionalUInt64(root, "connectionId")),
                "selfAddress" => SelfAddressRequest.Instance,
                _ => throw new FormatException($"unknown variant `{type}`, expected one of `send`, `sendAnonymous`, `reply`, `selfAddress`"),
            };
            error = default;
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            error = new(ErrorKind.MalformedRequest, e.Message);
            return false;
        }
    }

    /// <summary>Parses a text response; the error kind is recovered from the description nym puts in front of the message.</summary>
    public static bool TryDecodeResponse(string text, [NotNullWhen(true)] out ServerResponse? response, out ProtocolError error)
    {
        response = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var type = RequiredString(root, "type");
            response = type switch
            {
                "received" => new ReceivedResponse(
                    Encoding.UTF8.GetBytes(RequiredString(root, "message")),
                    OptionalString(root, "senderTag") is { } tagText
                        ? SenderTag.TryParse(tagText, out var tag, out var tagError) ? tag : throw new FormatException(tagError)
                        : null),
                "selfAddress" => new SelfAddressResponse(ParseRecipient(RequiredString(root, "address"))),
                "laneQueueLength" => new LaneQueueLengthResponse(RequiredUInt64(root, "lane"), RequiredUInt64(root, "queue_length")),
                "error" => ParseError(RequiredString(root, "message")),
                _ => throw new FormatException($"unknown variant `{type}`, expected one of `received`, `selfAddress`, `laneQueueLength`, `error`"),
            };
            error = default;
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            error = new(ErrorKind.MalformedResponse, e.Message);
            return false;
        }
    }

    private static ErrorResponse ParseError(string text)
    {
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            var prefix = kind.Describe() + ":";
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new ErrorResponse(kind, text[prefix.Length..]);
            }
        }

        return new ErrorResponse(ErrorKind.Other, text);
    }

    private static string PayloadText(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return StrictUtf8.GetString(payload.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new ArgumentException("A text frame carries its payload as a string; this payload is not UTF-8. Send it as a binary frame.", nameof(payload));
        }
    }

    private static NymAddress ParseRecipient(string text) =>
        NymAddress.TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    private static void WriteConnectionId(Utf8JsonWriter json, ulong? connectionId)
    {
        if (connectionId is { } id)
        {
            json.WriteNumber("connectionId", id);
        }
        else
        {
            json.WriteNull("connectionId");
        }
    }

    private static JsonElement Required(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"missing field `{name}`");

    private static string RequiredString(JsonElement root, string name) =>
        Required(root, name) is { ValueKind: JsonValueKind.String } value
            ? value.GetString()!
            : throw new FormatException($"invalid type: field `{name}` must be a string");

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"invalid type: field `{name}` must be a string or null")
            : null;

    private static uint RequiredUInt32(JsonElement root, string name) =>
        Required(root, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetUInt32(out var n)
            ? n
            : throw new FormatException($"invalid value: field `{name}` must be an integer from 0 to {uint.MaxValue}");

    private static ulong RequiredUInt64(JsonElement root, string name) =>
        Required(root, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetUInt64(out var n)
            ? n
            : throw new FormatException($"invalid value: field `{name}` must be an integer from 0 to {ulong.MaxValue}");

    private static ulong? OptionalUInt64(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n)
                ? n
                : throw new FormatException($"invalid value: field `{name}` must be an integer from 0 to {ulong.MaxValue} or null")
            : null;
}
