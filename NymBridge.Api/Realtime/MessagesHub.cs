using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Messages;
using NymBridge.Api.Metrics;
using NymBridge.Api.Nym;
using NymBridge.Api.Sending;

namespace NymBridge.Api.Realtime;

/// <summary>
/// <c>/hubs/messages</c>. Server to client: <c>received(event)</c>, <c>error(event)</c>,
/// <c>status({connected, selfAddress})</c>. Client to server: <c>Send</c>, <c>SendAnonymous</c>,
/// <c>Reply</c> (same fields, validation and result as REST) and <c>Replay(after)</c>.
/// </summary>
public sealed class MessagesHub(
    SendRequestParser parser, INymConnection nym, HubSubscriptions subscriptions, BridgeMetrics metrics) : Hub
{
    public const string Path = "/hubs/messages";

    /// <summary>Starts the connection's inbox subscription (live events from now on), then pushes <c>status</c>.</summary>
    /// <remarks>Subscribed first, so that a client that waits for <c>status</c> before it acts misses no event after it.</remarks>
    public override async Task OnConnectedAsync()
    {
        subscriptions.Start(Context.ConnectionId);
        await Clients.Caller.SendAsync(HubMethods.Status, StatusPush.From(nym));
        await base.OnConnectedAsync();
    }

    public Task<SendResult> Send(SendBody body) => SendAsync(SendKinds.Send, body);

    public Task<SendResult> SendAnonymous(SendAnonymousBody body) => SendAsync(SendKinds.SendAnonymous, body);

    public Task<SendResult> Reply(ReplyBody body) => SendAsync(SendKinds.Reply, body);

    /// <summary>
    /// Pushes every retained event with seq &gt; <paramref name="after"/> to the caller (as <c>received</c> /
    /// <c>error</c>), so a browser that reconnects misses nothing. The result says whether a gap was found.
    /// </summary>
    /// <remarks>
    /// Served by the connection's own pump, between two live pushes: the replayed events come as one run in seq
    /// order, and none that the connection was pushed already comes again (see <see cref="HubSubscriptions"/>).
    /// </remarks>
    public Task<ReplayResult> Replay(long after)
    {
        if (after < 0)
        {
            throw new HubException("after must be a sequence number, 0 or more.");
        }

        return subscriptions.ReplayAsync(Context.ConnectionId, after, Context.ConnectionAborted);
    }

    /// <summary>Checks and sends as REST does, for the same row of <see cref="SendKinds"/>; a problem's detail is the error.</summary>
    private async Task<SendResult> SendAsync(SendKindDefinition kind, ISendBody body)
    {
        var parsed = parser.Validate(kind, body);
        if (parsed.Problem is { } problem)
        {
            metrics.SendRejected(kind.Kind);
            throw new HubException(problem.ProblemDetails.Detail);
        }

        try
        {
            var result = await nym.SendMessageAsync(parsed.Request!, Context.ConnectionAborted);
            metrics.SendAccepted(kind.Kind, result.Bytes);
            return result;
        }
        catch (NymUnavailableException e)
        {
            metrics.SendUnavailable(kind.Kind);
            throw new HubException(e.Message);
        }
    }
}

public static class HubMethods
{
    public const string Received = MessageEvent.ReceivedType;
    public const string Error = MessageEvent.ErrorType;
    public const string Status = "status";
}

/// <param name="Replayed">Events pushed to the caller.</param>
/// <param name="Cursor">The seq of the last one (or the given after): continue from here.</param>
/// <param name="Truncated">Events after the given cursor had been evicted by retention.</param>
public sealed record ReplayResult(int Replayed, long Cursor, string Epoch, bool Truncated);

/// <summary>The <c>status</c> push: whether nym-client is connected and the bridge's address.</summary>
public sealed record StatusPush(bool Connected, string? SelfAddress)
{
    public static StatusPush From(INymConnection nym)
    {
        ArgumentNullException.ThrowIfNull(nym);
        return new StatusPush(nym.GetStatus().Connected, nym.SelfAddress?.ToString());
    }
}
