namespace NymBridge.Protocol;

/// <summary>A frame from nym-client (websocket-requests/src/responses.rs).</summary>
public abstract record ServerResponse
{
    public abstract ResponseTag Tag { get; }
}

public enum ResponseTag : byte
{
    Error = 0x00,
    Received = 0x01,
    SelfAddress = 0x02,
    LaneQueueLength = 0x03,
}

/// <summary>An error nym-client reports. It is not correlated with any request.</summary>
public sealed record ErrorResponse(ErrorKind Kind, string Message) : ServerResponse
{
    public override ResponseTag Tag => ResponseTag.Error;
}

/// <summary>A message from the mixnet; <see cref="SenderTag"/> is set when the sender attached reply SURBs.</summary>
public sealed record ReceivedResponse(ReadOnlyMemory<byte> Message, SenderTag? SenderTag = null) : ServerResponse
{
    public override ResponseTag Tag => ResponseTag.Received;
}

public sealed record SelfAddressResponse(NymAddress Address) : ServerResponse
{
    public override ResponseTag Tag => ResponseTag.SelfAddress;
}

public sealed record LaneQueueLengthResponse(ulong Lane, ulong QueueLength) : ServerResponse
{
    public override ResponseTag Tag => ResponseTag.LaneQueueLength;
}
