using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using NymBridge.Api.Inbox;
using NymBridge.Api.Messages;

namespace NymBridge.Api.Realtime;

/// <summary>
/// The <c>received</c> / <c>error</c> push of an event, serialized once for all subscribers: a
/// <see cref="SerializedHubMessage"/> keeps its bytes per protocol, where <c>Clients.Client(id).SendAsync</c>
/// would serialize the same 2 KB of JSON again for every connection.
/// </summary>
internal static class SharedHubMessages
{
    // A slot holds the message of the last event pushed for its seq modulo the ring size: subscribers
    // that keep up all hit it; one catching up from the store builds its own.
    private static readonly Pushed?[] Recent = new Pushed?[4096];

    private sealed record Pushed(InboxEvent Event, SerializedHubMessage Message);

    public static SerializedHubMessage For(InboxEvent e)
    {
        var slot = (int)(e.Seq & (Recent.Length - 1));
        if (Volatile.Read(ref Recent[slot]) is { } recent && ReferenceEquals(recent.Event, e))
        {
            return recent.Message;
        }

        var message = MessageEvent.From(e);
        var created = new SerializedHubMessage(new InvocationMessage(message.Type, [message]));
        Volatile.Write(ref Recent[slot], new Pushed(e, created));
        return created;
    }
}
