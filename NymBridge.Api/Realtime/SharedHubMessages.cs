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
    private static readonly RecentEventCache<SerializedHubMessage> Recent = new(static e =>
    {
        var message = MessageEvent.From(e);
        return new SerializedHubMessage(new InvocationMessage(message.Type, [message]));
    });

    public static SerializedHubMessage For(InboxEvent e) => Recent.For(e);
}
