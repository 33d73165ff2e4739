using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Sending;

/// <summary>Body of <c>POST /send</c>.</summary>
public sealed record SendBody
{
    /// <summary>The recipient's Nym address, &lt;identity&gt;.&lt;encryption&gt;@&lt;gateway&gt;.</summary>
    public string? Recipient { get; init; }

    /// <summary>The payload: a string (sent as its UTF-8 bytes) or any other JSON value (sent as its compact JSON text). Exactly one of message and messageBase64.</summary>
    public JsonElement? Message { get; init; }

    /// <summary>The payload as Base64, for arbitrary bytes. Exactly one of message and messageBase64.</summary>
    public string? MessageBase64 { get; init; }

    /// <summary>Optional nym-client lane (1 to 2^64-1); when given, the answer includes that lane's queue length.</summary>
    [OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)]
    public ulong? ConnectionId { get; init; }
}

/// <summary>Body of <c>POST /send-anonymous</c>.</summary>
public sealed record SendAnonymousBody
{
    public string? Recipient { get; init; }
    public JsonElement? Message { get; init; }
    public string? MessageBase64 { get; init; }

    /// <summary>Reply SURBs to attach so the recipient can answer without learning who you are (default 20).</summary>
    [DefaultValue(20)]
    [OpenApiInteger("0", OpenApiIntegerAttribute.MaxReplySurbs)]
    public long? ReplySurbs { get; init; }

    [OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)]
    public ulong? ConnectionId { get; init; }
}

/// <summary>Body of <c>POST /reply</c>.</summary>
public sealed record ReplyBody
{
    /// <summary>The sender tag of a received message (16 bytes, Base58).</summary>
    public string? SenderTag { get; init; }

    public JsonElement? Message { get; init; }
    public string? MessageBase64 { get; init; }
    [OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)]
    public ulong? ConnectionId { get; init; }
}

/// <summary>What a send returns once its frame is written to nym-client.</summary>
/// <param name="Bytes">Payload size in bytes.</param>
/// <param name="Lane">The connection id, when one was given.</param>
/// <param name="QueueLength">Messages queued on that lane in nym-client, when a connection id was given.</param>
public sealed record SendResult(
    int Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Lane = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? QueueLength = null);
