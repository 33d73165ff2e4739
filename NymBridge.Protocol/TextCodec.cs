using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace NymBridge.Protocol;

/// <summary>
/// The JSON (text frame) forms of nym's protocol (websocket-requests/src/text.rs), as serde writes them
/// (see <see cref="SerdeJsonWriter"/>):
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

    public static string EncodeRequest(ClientRequest request) => request switch
    {
        SendRequest r => new SerdeJsonWriter()
            .String("type", "send")
            .String("message", PayloadText(r.Message))
            .String("recipient", r.Recipient.ToString())
            .Number("connectionId", r.ConnectionId)
            .Complete(),
        SendAnonymousRequest r => new SerdeJsonWriter()
            .String("type", "sendAnonymous")
            .String("recipient", r.Recipient.ToString())
            .String("message", PayloadText(r.Message))
            .Number("replySurbs", r.ReplySurbs)
            .Number("connectionId", r.ConnectionId)
            .Complete(),
        ReplyRequest r => new SerdeJsonWriter()
            .String("type", "reply")
            .String("senderTag", r.SenderTag.ToString())
            .String("message", PayloadText(r.Message))
            .Number("connectionId", r.ConnectionId)
            .Complete(),
        SelfAddressRequest => new SerdeJsonWriter().String("type", "selfAddress").Complete(),
        _ => throw new NotSupportedException($"nym's text protocol has no form of {request.GetType().Name}; send it as a binary frame."),
    };

    public static string EncodeResponse(ServerResponse response) => response switch
    {
        ReceivedResponse r => new SerdeJsonWriter()
            .String("type", "received")
            .String("message", Encoding.UTF8.GetString(r.Message.Span)) // lossy, as nym's from_utf8_lossy
            .String("senderTag", r.SenderTag?.ToString())
            .Complete(),
        SelfAddressResponse s => new SerdeJsonWriter()
            .String("type", "selfAddress")
            .String("address", s.Address.ToString())
            .Complete(),
        LaneQueueLengthResponse q => new SerdeJsonWriter()
            .String("type", "laneQueueLength")
            .Number("lane", q.Lane)
            .Number("queue_length", q.QueueLength)
            .Complete(),
        ErrorResponse e => new SerdeJsonWriter()
            .String("type", "error")
            .String("message", new ProtocolError(e.Kind, e.Message).ToString())
            .Complete(),
        _ => throw new ArgumentOutOfRangeException(nameof(response), response.GetType().Name, "Unknown response type."),
    };

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

    private static JsonElement Required(JsonElement root, string name) =>
        TryGetField(root, name, out var value) ? value : throw new FormatException($"missing field `{name}`");

    /// <summary>
    /// Finds a field of the variant (or the tag). serde refuses such a field given twice, where
    /// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> would pick one; fields the
    /// variant does not have are never looked up, so they may repeat, as serde ignores them.
    /// </summary>
    private static bool TryGetField(JsonElement root, string name, out JsonElement value)
    {
        value = default;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var found = false;
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals(name))
            {
                if (found)
                {
                    throw new FormatException($"duplicate field `{name}`");
                }

                found = true;
                value = property.Value;
            }
        }

        return found;
    }

    private static string RequiredString(JsonElement root, string name) =>
        Required(root, name) is { ValueKind: JsonValueKind.String } value
            ? value.GetString()!
            : throw new FormatException($"invalid type: field `{name}` must be a string");

    private static string? OptionalString(JsonElement root, string name) =>
        TryGetField(root, name, out var value) && value.ValueKind != JsonValueKind.Null
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
        TryGetField(root, name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n)
                ? n
                : throw new FormatException($"invalid value: field `{name}` must be an integer from 0 to {ulong.MaxValue} or null")
            : null;
}
