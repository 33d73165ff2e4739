using System.Text.Json;
using NymBridge.Api.OpenApi;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// One send kind, whole: its route and OpenAPI text, its JSON body and example, its fields in the order their
/// rules run (so also the order of their errors), and how its nym request is built from the checked values.
/// </summary>
/// <param name="Name">The operation id, and the name of the SignalR hub method that sends this kind.</param>
public sealed record SendKindDefinition(
    SendKind Kind, string Route, string Name, string Summary, string Description,
    Type JsonBody, ISendBody Example, IReadOnlyList<SendFieldSpec> Fields, Func<SendValues, MessageRequest> Build)
{
    /// <summary>The names a JSON body may have, in the order a problem lists them.</summary>
    public IEnumerable<string> JsonNames => Fields.SelectMany(f => f.Members).Select(m => m.Name);

    /// <summary>The JSON member of that exact name, and the field it belongs to.</summary>
    public (SendFieldSpec Field, SendMember Member)? FindMember(string? name, StringComparison comparison = StringComparison.Ordinal)
    {
        foreach (var field in Fields)
        {
            foreach (var member in field.Members)
            {
                if (string.Equals(member.Name, name, comparison))
                {
                    return (field, member);
                }
            }
        }

        return null;
    }
}

/// <summary>
/// The table of send kinds. <see cref="SendEndpoints.MapSending"/>, the OpenAPI body description, the
/// application/octet-stream query reader, the JSON reader and the SignalR hub all read it: a field or kind is
/// added here, once.
/// </summary>
public static class SendKinds
{
    public static readonly SendKindDefinition Send = new(
        SendKind.Send, "/send", "Send",
        "Send a message to a Nym address",
        "Sends the payload to the recipient through the mixnet. The recipient learns nothing about the sender and cannot reply. " +
        "Returns once the frame is written to nym-client (nym-client does not acknowledge delivery). " +
        "JSON: exactly one of message (text or any JSON value) and messageBase64 (bytes). " +
        "Raw bytes: Content-Type application/octet-stream, payload as the body, recipient and connectionId in the query string.",
        typeof(SendBody),
        new SendBody { Recipient = OpenApiExamples.Address, Message = Text("hello") },
        [SendFields.Recipient, SendFields.Payload, SendFields.ConnectionId],
        v => new SendRequest(v.Recipient!, v.Payload, v.Lane?.Value));

    public static readonly SendKindDefinition SendAnonymous = new(
        SendKind.SendAnonymous, "/send-anonymous", "SendAnonymous",
        "Send a message with reply SURBs",
        "Like /send, but attaches replySurbs single-use reply blocks (default 20, up to Nym:MaxReplySurbs), so the recipient can " +
        "answer through /reply with the senderTag it receives, without learning your address. " +
        "Raw bytes: application/octet-stream with recipient, replySurbs and connectionId in the query string.",
        typeof(SendAnonymousBody),
        new SendAnonymousBody { Recipient = OpenApiExamples.Address, Message = Text("hello, reply if you like"), ReplySurbs = SendFieldRules.DefaultReplySurbs },
        [SendFields.Recipient, SendFields.Payload, SendFields.ReplySurbs, SendFields.ConnectionId],
        v => new SendAnonymousRequest(v.Recipient!, v.Payload, v.ReplySurbs, v.Lane?.Value));

    public static readonly SendKindDefinition Reply = new(
        SendKind.Reply, "/reply", "Reply",
        "Reply to an anonymous sender",
        "Answers the sender of a received message that carried a senderTag, using the reply SURBs they attached. " +
        "Raw bytes: application/octet-stream with senderTag and connectionId in the query string.",
        typeof(ReplyBody),
        new ReplyBody { SenderTag = OpenApiExamples.SenderTag, MessageBase64 = "aGVsbG8=" },
        [SendFields.SenderTag, SendFields.Payload, SendFields.ConnectionId],
        v => new ReplyRequest(v.SenderTag, v.Payload, v.Lane?.Value));

    public static IReadOnlyList<SendKindDefinition> All { get; } = [Send, SendAnonymous, Reply];

    private static JsonElement Text(string text) => JsonSerializer.SerializeToElement(text);
}
