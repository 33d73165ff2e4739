using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Messages;

/// <summary>
/// What clients are shown of an event, built once per event for everyone who shows it: every subscriber of a
/// fan-out, and every long-poll woken by the same commit, asks for the same event. One service, owned by DI,
/// rather than process-wide caches: two hosts in one process (tests) share nothing.
/// </summary>
public sealed class EventViews
{
    private readonly RecentEventCache<MessageEvent> _messages = new(MessageEvent.Create);
    private readonly RecentEventCache<SerializedHubMessage> _hubMessages;

    public EventViews() => _hubMessages = new(e =>
    {
        var message = Message(e);
        return new SerializedHubMessage(new InvocationMessage(message.Type, [message]));
    });

    /// <summary>The event as long-poll, SSE, SignalR and webhooks all show it.</summary>
    public MessageEvent Message(InboxEvent e) => _messages.For(e);

    /// <summary>
    /// The <c>received</c> / <c>error</c> hub push of an event, serialized once for all connections: a
    /// <see cref="SerializedHubMessage"/> keeps its bytes per protocol, where <c>Clients.Client(id).SendAsync</c>
    /// would serialize the same 2 KB of JSON again for every connection.
    /// </summary>
    public SerializedHubMessage HubMessage(InboxEvent e) => _hubMessages.For(e);
}
