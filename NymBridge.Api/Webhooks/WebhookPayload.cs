using System.Buffers;
using System.Globalization;
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

    /// <summary><c>evt_&lt;epoch&gt;_&lt;seq&gt;</c>: the same on every attempt, so receivers can deduplicate on it.</summary>
    public static string WebhookId(string epoch, long seq) => string.Create(CultureInfo.InvariantCulture, $"evt_{epoch}_{seq}");

    // Per thread, reused: a fresh MemoryStream grew four times (and copied) on the way to a 1.4 KB body.
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? t_writer;

    /// <param name="data">The event as <c>GET /messages</c> shows it (<see cref="EventViews.Message"/>).</param>
    public static byte[] Create(InboxEvent e, MessageEvent data, string epoch, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(e);
        var (buffer, writer) = t_writer ??= NewWriter();
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            writer.WriteString("type", e.Type == InboxEventType.Received ? ReceivedType : ErrorType);
            writer.WritePropertyName("timestamp");
            JsonSerializer.Serialize(writer, e.ReceivedAt, json);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, data, json);
            writer.WriteString("epoch", epoch);
            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
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

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewWriter()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer));
    }
}
