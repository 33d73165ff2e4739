using System.Text.Json.Serialization;

namespace NymBridge.Api.Sending;

/// <summary>What a send returns once its frame is written to nym-client.</summary>
/// <param name="Bytes">Payload size in bytes.</param>
/// <param name="Lane">The connection id, when one was given.</param>
/// <param name="QueueLength">Messages queued on that lane in nym-client, when a connection id was given.</param>
public sealed record SendResult(
    int Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Lane = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? QueueLength = null);
