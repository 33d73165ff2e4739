using System.Text.Json;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>What a caller gave for a send, before any rule: from a JSON body, a hub argument or the query string.</summary>
public sealed record SendInput
{
    public string? Recipient { get; init; }
    public string? SenderTag { get; init; }
    public JsonElement? Message { get; init; }
    public string? MessageBase64 { get; init; }

    /// <summary>The payload as it came, for application/octet-stream: then <see cref="Message"/> and <see cref="MessageBase64"/> are not given.</summary>
    public ReadOnlyMemory<byte>? Bytes { get; init; }

    public long? ReplySurbs { get; init; }
    public ulong? ConnectionId { get; init; }
}

/// <summary>A send's fields once their rules passed: what a <see cref="SendKindDefinition"/> builds its request from.</summary>
public sealed class SendValues
{
    public NymAddress? Recipient { get; set; }
    public SenderTag SenderTag { get; set; }
    public ReadOnlyMemory<byte> Payload { get; set; }
    public uint ReplySurbs { get; set; }
    public LaneId? Lane { get; set; }
}
