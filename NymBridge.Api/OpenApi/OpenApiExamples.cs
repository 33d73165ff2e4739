using NymBridge.Api.Messages;
using NymBridge.Api.Nym;
using NymBridge.Api.Status;

namespace NymBridge.Api.OpenApi;

/// <summary>Example values shown in Swagger UI. The address is the one nym's own tests use.</summary>
public static class OpenApiExamples
{
    public const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    public const string SenderTag = "7Ls8mWq6rCQ1kE2bB7g6Zw";

    public static readonly BridgeStatus Status = new(
        new NymConnectionStatus(
            new Uri("ws://127.0.0.1:1977"), Connected: true, Since: new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero),
            Reconnects: 0, LastError: null, LastErrorAt: null, SelfAddress: Address,
            FramesSent: 42, FramesReceived: 17, BadFrames: 0, OutboundQueued: 0),
        new Dictionary<string, object>
        {
            ["inbox"] = new { epoch = "3f2b1c0a9d8e4f7a", store = new { count = 17, bytes = 2048, firstSeq = 1, lastSeq = 17, queueCursor = 12, dropped = 0, evicted = 0 }, accepted = 17, committed = 17, pending = 0, subscribers = 1 },
            ["signalR"] = new { subscribers = 1 },
        });

    public static readonly MessageList Messages = new(
        [
            new MessageEvent
            {
                Seq = 17, Type = MessageEvent.ReceivedType, ReceivedAt = new DateTimeOffset(2026, 11, 27, 11, 0, 0, 123, TimeSpan.Zero),
                Size = 5, SenderTag = SenderTag, Message = "hello", MessageBase64 = "aGVsbG8=",
            },
            new MessageEvent
            {
                Seq = 18, Type = MessageEvent.ErrorType, ReceivedAt = new DateTimeOffset(2026, 11, 27, 11, 0, 1, 0, TimeSpan.Zero),
                Kind = "malformedRequest", Message = "malformed request:data len has inconsistent length. specified: 9 got: 5",
            },
        ],
        Cursor: 18,
        Epoch: "3f2b1c0a9d8e4f7a",
        Reset: false,
        Truncated: false);
}
