using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;

namespace NymBridge.Emulator;

/// <summary>One data message (text or binary) the emulator received, as the client sent it.</summary>
[SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "A recording of raw bytes; tests compare and slice it.")]
public sealed record RecordedFrame(WebSocketMessageType Type, byte[] Data, DateTimeOffset ReceivedAt)
{
    /// <summary>The payload as UTF-8 (invalid sequences replaced).</summary>
    public string Text => Encoding.UTF8.GetString(Data);

    /// <summary>How many websocket frames, continuations included, carried this message.</summary>
    public int FrameCount { get; init; } = 1;
}
