using System.Text;
using System.Text.Json.Serialization;
using NymBridge.Api.Inbox;
using NymBridge.Protocol;

namespace NymBridge.Api.Messages;

/// <summary>
/// An inbound event as long-poll, SSE and SignalR all show it. Received: <c>message</c> is the
/// payload as text when it is valid UTF-8, else null; <c>messageBase64</c> is always there;
/// <c>senderTag</c> is set when the sender attached reply SURBs. Error: <c>kind</c> and <c>message</c>.
/// </summary>
public sealed record MessageEvent
{
    /// <summary>Grows by one per event and never repeats.</summary>
    public required long Seq { get; init; }

    /// <summary><c>received</c> or <c>error</c>.</summary>
    public required string Type { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Payload size in bytes (received only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Size { get; init; }

    /// <summary>Reply to this with POST /reply; null when the sender attached no SURBs (and for errors).</summary>
    public string? SenderTag { get; init; }

    /// <summary>The payload as text, or null when it is not valid UTF-8; for errors, nym-client's message.</summary>
    public string? Message { get; init; }

    /// <summary>The payload bytes (received only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MessageBase64 { get; init; }

    /// <summary>nym-client's error kind, e.g. <c>malformedRequest</c> (errors only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    public const string ReceivedType = "received";
    public const string ErrorType = "error";

    /// <summary>Builds the view of an event; <see cref="EventViews.Message"/> builds it once for everyone who shows it.</summary>
    public static MessageEvent Create(InboxEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Type == InboxEventType.Received
            ? new MessageEvent
            {
                Seq = e.Seq,
                Type = ReceivedType,
                ReceivedAt = e.ReceivedAt,
                Size = e.Payload.Length,
                SenderTag = e.SenderTag?.ToString(),
                Message = TryText(e.Payload.Span),
                MessageBase64 = Convert.ToBase64String(e.Payload.Span),
            }
            : new MessageEvent
            {
                Seq = e.Seq,
                Type = ErrorType,
                ReceivedAt = e.ReceivedAt,
                Kind = (e.ErrorKind ?? ErrorKind.Other).ToCamelCase(),
                Message = Encoding.UTF8.GetString(e.Payload.Span),
            };
    }

    // Checked first rather than caught: binary payloads are common, and an exception per event per subscriber is not cheap.
    private static string? TryText(ReadOnlySpan<byte> payload) =>
        System.Text.Unicode.Utf8.IsValid(payload) ? Encoding.UTF8.GetString(payload) : null;
}
