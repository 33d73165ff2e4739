using NymBridge.Protocol;

namespace NymBridge.Api.Inbox;

public enum InboxEventType
{
    Received,
    Error,
}

/// <summary>
/// One inbound event, as the inbox keeps it. <see cref="Payload"/> is the message bytes of a
/// Received frame, or the UTF-8 text of an Error frame.
/// </summary>
public sealed record InboxEvent(
    long Seq,
    InboxEventType Type,
    DateTimeOffset ReceivedAt,
    ReadOnlyMemory<byte> Payload,
    SenderTag? SenderTag = null,
    ErrorKind? ErrorKind = null)
{
    public static InboxEvent FromResponse(ServerResponse response, DateTimeOffset receivedAt) => response switch
    {
        ReceivedResponse r => new InboxEvent(0, InboxEventType.Received, receivedAt, r.Message, r.SenderTag),
        ErrorResponse e => new InboxEvent(0, InboxEventType.Error, receivedAt, System.Text.Encoding.UTF8.GetBytes(e.Message), ErrorKind: e.Kind),
        _ => throw new ArgumentOutOfRangeException(nameof(response), response.Tag, "Only Received and Error frames are inbox events."),
    };
}
