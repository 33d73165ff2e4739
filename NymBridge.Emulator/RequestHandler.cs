using NymBridge.Protocol;

namespace NymBridge.Emulator;

/// <summary>
/// What nym-client does with a decoded request (clients/native/src/websocket/handler.rs), with a
/// mixnet that only reaches the emulator itself: messages to its own address come back as
/// Received, everything else is accepted and discarded.
/// </summary>
/// <param name="self">The emulated client's address.</param>
/// <param name="selfTag">
/// The sender tag nym would keep for the recipient <paramref name="self"/>: one tag per recipient,
/// reused for every SendAnonymous to it. No other recipient's tag can ever come back, so this is
/// the only one the emulator needs.
/// </param>
/// <param name="queueLength">The queue length reported for every lane.</param>
internal sealed class RequestHandler(NymAddress self, SenderTag selfTag, ulong queueLength)
{
    /// <summary>Returns the direct answer, if nym gives one, and what comes back through the mixnet.</summary>
    public ServerResponse? Handle(ClientRequest request, out ReceivedResponse? loopback)
    {
        loopback = null;
        switch (request)
        {
            case SendRequest send:
                if (send.Recipient == self)
                {
                    loopback = new ReceivedResponse(send.Message.ToArray());
                }

                return LaneAnswer(send.ConnectionId);

            case SendAnonymousRequest send:
                if (send.Recipient == self)
                {
                    loopback = new ReceivedResponse(send.Message.ToArray(), selfTag);
                }

                return LaneAnswer(send.ConnectionId);

            case ReplyRequest reply:
                if (reply.SenderTag == selfTag)
                {
                    loopback = new ReceivedResponse(reply.Message.ToArray());
                }

                return LaneAnswer(reply.ConnectionId);

            case SelfAddressRequest:
                return new SelfAddressResponse(self);

            case GetLaneQueueLengthRequest get:
                return new LaneQueueLengthResponse(get.ConnectionId, queueLength);

            default:
                // ClosedConnection, as nym: the lane is closed and nothing is said.
                return null;
        }
    }

    /// <summary>
    /// nym answers a send only when it names a lane. The binary decoder turns conn_id 0 into null;
    /// text may carry an explicit 0, which nym treats as lane 0 and answers.
    /// </summary>
    private LaneQueueLengthResponse? LaneAnswer(ulong? connectionId) =>
        connectionId is { } lane ? new LaneQueueLengthResponse(lane, queueLength) : null;
}
