using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using NymBridge.Api.Inbox;
using NymBridge.Api.Messages;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// The body of a delivery, compact JSON:
/// <c>{"type":"message.received"|"message.error","timestamp":receivedAt,"data":&lt;the event as GET /messages shows it&gt;,"epoch":...}</c>.
/// The same bytes on every attempt of an event (only the timestamp header and the signature change).
/// </summary>
public static class WebhookPayload
{
    public const string ReceivedType = "message.received", ErrorType = "message.error";

    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type"), Timestamp = JsonEncodedText.Encode("timestamp"),
        Data = JsonEncodedText.Encode("data"), Epoch = JsonEncodedText.Encode("epoch"),
        Received = JsonEncodedText.Encode(ReceivedType), Error = JsonEncodedText.Encode(ErrorType);

    /// <summary><c>evt_&lt;epoch&gt;_&lt;seq&gt;</c>: the same on every attempt, so receivers can deduplicate on it.</summary>
    public static string WebhookId(string epoch, long seq) => string.Create(CultureInfo.InvariantCulture, $"evt_{epoch}_{seq}");

    // Per thread, reused: a fresh MemoryStream grew four times (and copied) on the way to a 1.4 KB body.
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer, JavaScriptEncoder? Encoder)? t_writer;

    /// <summary>The body in a pooled array: dispose it once the attempt is over.</summary>
    /// <param name="json">The HTTP API's options: their encoder escapes <c>data</c> exactly as <c>GET /messages</c> does.</param>
    public static WebhookBody Create(InboxEvent e, string epoch, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(json);
        if (t_writer is not { } cached || cached.Encoder != json.Encoder)
        {
            t_writer = cached = NewWriter(json.Encoder);
        }

        var (buffer, writer, _) = cached;
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(Type, e.Type == InboxEventType.Received ? Received : Error);
            writer.WriteString(Timestamp, e.ReceivedAt);
            writer.WritePropertyName(Data);
            MessageEventJson.Write(writer, e);
            writer.WriteString(Epoch, epoch);
            writer.WriteEndObject();
            writer.Flush();
            return WebhookBody.Copy(buffer.WrittenSpan);
        }
        finally
        {
            // A huge event must not stay pinned to the thread.
            if (buffer.Capacity > 64 * 1024)
            {
                t_writer = null;
            }
        }
    }

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter, JavaScriptEncoder?) NewWriter(JavaScriptEncoder? encoder)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder }), encoder);
    }
}
