namespace NymBridge.Protocol;

/// <summary>A request to nym-client (websocket-requests/src/requests.rs).</summary>
/// <remarks>
/// <c>ConnectionId</c> null and 0 are the same on the wire: 0 means "no connection". Payloads are
/// <see cref="ReadOnlyMemory{T}"/> so a decoded request can point into its frame without a copy.
/// </remarks>
public abstract record ClientRequest
{
    public abstract RequestTag Tag { get; }
}

public enum RequestTag : byte
{
    Send = 0x00,
    SendAnonymous = 0x01,
    Reply = 0x02,
    SelfAddress = 0x03,
    ClosedConnection = 0x04,
    GetLaneQueueLength = 0x05,
}

/// <summary>
/// A request that carries a message into the mixnet: <see cref="SendRequest"/>, <see cref="SendAnonymousRequest"/> or
/// <see cref="ReplyRequest"/>. Each is its addressing, then <c>conn_id u64 | len u64 | data</c> on the wire.
/// </summary>
/// <param name="Message">The payload.</param>
/// <param name="ConnectionId">The lane it goes on (nym-client then answers with that lane's queue length), or null for none.</param>
public abstract record MessageRequest(ReadOnlyMemory<byte> Message, ulong? ConnectionId) : ClientRequest;

/// <summary>Send to a recipient without reply SURBs: the recipient learns nothing about the sender.</summary>
public sealed record SendRequest(NymAddress Recipient, ReadOnlyMemory<byte> Message, ulong? ConnectionId = null) : MessageRequest(Message, ConnectionId)
{
    public override RequestTag Tag => RequestTag.Send;
}

/// <summary>Send with <see cref="ReplySurbs"/> single-use reply blocks, so the recipient can answer without knowing who asked.</summary>
public sealed record SendAnonymousRequest(NymAddress Recipient, ReadOnlyMemory<byte> Message, uint ReplySurbs, ulong? ConnectionId = null) : MessageRequest(Message, ConnectionId)
{
    public override RequestTag Tag => RequestTag.SendAnonymous;
}

/// <summary>Answer the sender behind <see cref="SenderTag"/> using the SURBs they attached.</summary>
public sealed record ReplyRequest(SenderTag SenderTag, ReadOnlyMemory<byte> Message, ulong? ConnectionId = null) : MessageRequest(Message, ConnectionId)
{
    public override RequestTag Tag => RequestTag.Reply;
}

public sealed record SelfAddressRequest : ClientRequest
{
    public static SelfAddressRequest Instance { get; } = new();
    public override RequestTag Tag => RequestTag.SelfAddress;
}

public sealed record ClosedConnectionRequest(ulong ConnectionId) : ClientRequest
{
    public override RequestTag Tag => RequestTag.ClosedConnection;
}

public sealed record GetLaneQueueLengthRequest(ulong ConnectionId) : ClientRequest
{
    public override RequestTag Tag => RequestTag.GetLaneQueueLength;
}
