using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>Puts a validated send on the wire; shared by REST and the SignalR hub so both answer alike.</summary>
public static class SendDispatcher
{
    /// <returns>The result; <see cref="SendResult.Lane"/> is set when the request named a connection id.</returns>
    /// <exception cref="NymUnavailableException">nym-client cannot take it now; nothing was sent.</exception>
    public static async Task<SendResult> DispatchAsync(this INymConnection nym, ClientRequest request, CancellationToken cancellationToken)
    {
        var bytes = RequestCodec.GetPayload(request).Length;
        if (ConnectionIdOf(request) is { } lane)
        {
            var answer = await nym.SendForLaneAsync(request, lane, cancellationToken);
            return new SendResult(bytes, answer.Lane, answer.QueueLength);
        }

        await nym.SendAsync(request, cancellationToken);
        return new SendResult(bytes);
    }

    private static ulong? ConnectionIdOf(ClientRequest request) => request switch
    {
        SendRequest r => r.ConnectionId,
        SendAnonymousRequest r => r.ConnectionId,
        ReplyRequest r => r.ConnectionId,
        _ => null,
    };
}
