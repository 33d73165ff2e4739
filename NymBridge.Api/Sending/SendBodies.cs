using System.ComponentModel;
using System.Text.Json;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Sending;

// The JSON bodies of the send endpoints and the SignalR hub's send arguments. What each field means and how it is
// checked is written once, in SendFields; these records only give each kind its own schema.

/// <summary>A send body as the field rules read it.</summary>
public interface ISendBody
{
    SendInput ToInput();
}

/// <summary>Body of <c>POST /send</c>.</summary>
public sealed record SendBody : ISendBody
{
    public string? Recipient { get; init; }
    public JsonElement? Message { get; init; }
    public string? MessageBase64 { get; init; }
    [OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)]
    public ulong? ConnectionId { get; init; }

    public SendInput ToInput() => new() { Recipient = Recipient, Message = Message, MessageBase64 = MessageBase64, ConnectionId = ConnectionId };
}

/// <summary>Body of <c>POST /send-anonymous</c>.</summary>
public sealed record SendAnonymousBody : ISendBody
{
    public string? Recipient { get; init; }
    public JsonElement? Message { get; init; }
    public string? MessageBase64 { get; init; }

    [DefaultValue((int)SendFieldRules.DefaultReplySurbs)]
    [OpenApiInteger("0", OpenApiIntegerAttribute.MaxReplySurbs)]
    public long? ReplySurbs { get; init; }

    [OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)]
    public ulong? ConnectionId { get; init; }

    public SendInput ToInput() => new() { Recipient = Recipient, Message = Message, MessageBase64 = MessageBase64, ReplySurbs = ReplySurbs, ConnectionId = ConnectionId };
}

/// <summary>Body of <c>POST /reply</c>.</summary>
public sealed record ReplyBody : ISendBody
{
    public string? SenderTag { get; init; }
    public JsonElement? Message { get; init; }
    public string? MessageBase64 { get; init; }
    [OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)]
    public ulong? ConnectionId { get; init; }

    public SendInput ToInput() => new() { SenderTag = SenderTag, Message = Message, MessageBase64 = MessageBase64, ConnectionId = ConnectionId };
}
