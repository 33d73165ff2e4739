using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// Puts one validated message on the wire and says what happened, in the answer's shape; shared by REST, the
/// SignalR hub and webhook replies so all answer alike. Nothing is queued here: the frame goes to
/// <see cref="INymConnection"/> now, and a lane send waits for nym-client's word on that lane's queue.
/// </summary>
public static class MessageSender
{
    /// <returns>The result; <see cref="SendResult.Lane"/> is set when the request named a lane.</returns>
    /// <exception cref="NymUnavailableException">nym-client cannot take it now; nothing was sent.</exception>
    public static async Task<SendResult> SendMessageAsync(this INymConnection nym, MessageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nym);
        ArgumentNullException.ThrowIfNull(request);
        var bytes = request.Message.Length;
        if (request.ConnectionId is { } lane)
        {
            var answer = await nym.SendForLaneAsync(request, lane, cancellationToken);
            return new SendResult(bytes, answer.Lane, answer.QueueLength);
        }

        await nym.SendAsync(request, cancellationToken);
        return new SendResult(bytes);
    }
}
