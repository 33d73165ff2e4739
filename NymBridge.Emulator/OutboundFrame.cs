using System.Net.WebSockets;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Emulator;

/// <summary>A message waiting for the session's single writer.</summary>
internal sealed class OutboundFrame(ReadOnlyMemory<byte> data, WebSocketMessageType type)
{
    public ReadOnlyMemory<byte> Data => data;

    public WebSocketMessageType Type => type;

    /// <summary>False for the first part of a message that never ends (fault injection: a drop mid-message).</summary>
    public bool EndOfMessage { get; init; } = true;

    /// <summary>Set for a pushed Received: if the connection drops before it is written, it is held for the next one.</summary>
    public ReceivedResponse? Push { get; init; }

    /// <summary>Completed once the frame is written (or, for a push, held again).</summary>
    public TaskCompletionSource? Written { get; init; }

    /// <summary>A response in the given format: binary as nym serializes it, text as its JSON.</summary>
    public static OutboundFrame For(ServerResponse response, WebSocketMessageType format, TaskCompletionSource? written = null) =>
        format == WebSocketMessageType.Text
            ? new(Encoding.UTF8.GetBytes(TextCodec.EncodeResponse(response)), WebSocketMessageType.Text) { Push = response as ReceivedResponse, Written = written }
            : new(ResponseCodec.Encode(response), WebSocketMessageType.Binary) { Push = response as ReceivedResponse, Written = written };
}
