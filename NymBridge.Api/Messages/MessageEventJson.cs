using System.Text;
using System.Text.Json;
using NymBridge.Api.Inbox;
using NymBridge.Protocol;

namespace NymBridge.Api.Messages;

/// <summary>
/// Writes an event's <see cref="MessageEvent"/> JSON straight from its payload bytes: the same properties, in
/// the same order, as serializing <see cref="MessageEvent.Create"/> with the web defaults writes them.
/// </summary>
/// <remarks>
/// For a writer that shows each event once, where no view is shared (a webhook catching up on old events):
/// the view holds the payload twice as UTF-16 text (the message and its base64), which a 1 KiB event pays
/// in about 5 KB of strings, only for the writer to encode them back into UTF-8. The test that compares a
/// webhook's <c>data</c> with <c>GET /messages</c> byte for byte keeps the two writers the same.
/// </remarks>
public static class MessageEventJson
{
    private static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq"), Type = JsonEncodedText.Encode("type"),
        ReceivedAt = JsonEncodedText.Encode("receivedAt"), Size = JsonEncodedText.Encode("size"), SenderTag = JsonEncodedText.Encode("senderTag"),
        Message = JsonEncodedText.Encode("message"), MessageBase64 = JsonEncodedText.Encode("messageBase64"), Kind = JsonEncodedText.Encode("kind"),
        Received = JsonEncodedText.Encode(MessageEvent.ReceivedType), Error = JsonEncodedText.Encode(MessageEvent.ErrorType);

    public static void Write(Utf8JsonWriter writer, InboxEvent e)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(e);
        var payload = e.Payload.Span;
        writer.WriteStartObject();
        writer.WriteNumber(Seq, e.Seq);
        if (e.Type == InboxEventType.Received)
        {
            writer.WriteString(Type, Received);
            writer.WriteString(ReceivedAt, e.ReceivedAt);
            writer.WriteNumber(Size, payload.Length);
            WriteTag(writer, e.SenderTag);
            if (System.Text.Unicode.Utf8.IsValid(payload))
            {
                writer.WriteString(Message, payload);
            }
            else
            {
                writer.WriteNull(Message);
            }

            writer.WriteBase64String(MessageBase64, payload);
        }
        else
        {
            writer.WriteString(Type, Error);
            writer.WriteString(ReceivedAt, e.ReceivedAt);
            writer.WriteNull(SenderTag);
            // nym-client's error text as the view decodes it (invalid sequences become U+FFFD); errors are rare.
            writer.WriteString(Message, Encoding.UTF8.GetString(payload));
            writer.WriteString(Kind, (e.ErrorKind ?? ErrorKind.Other).ToCamelCase());
        }

        writer.WriteEndObject();
    }

    private static void WriteTag(Utf8JsonWriter writer, SenderTag? tag)
    {
        if (tag is { } t)
        {
            writer.WriteString(SenderTag, t.ToString());
        }
        else
        {
            writer.WriteNull(SenderTag);
        }
    }
}
