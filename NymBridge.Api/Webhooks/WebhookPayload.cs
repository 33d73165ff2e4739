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

    /// <param name="data">The event as <c>GET /messages</c> shows it (<see cref="EventViews.Message"/>).</param>
    public static byte[] Create(InboxEvent e, MessageEvent data, string epoch, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", e.Type == InboxEventType.Received ? ReceivedType : ErrorType);
            writer.WritePropertyName("timestamp");
            JsonSerializer.Serialize(writer, e.ReceivedAt, json);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, data, json);
            writer.WriteString("epoch", epoch);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
