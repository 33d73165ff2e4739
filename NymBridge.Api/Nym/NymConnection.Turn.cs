namespace NymBridge.Api.Nym;

/// <remarks>
/// A turn (<see cref="INymConnectionGate"/>) that ends mid-session is a graceful stop in small: new sends are refused with a
/// 503 and nothing written, the queue is closed so the writer writes what it holds, the socket is half-closed (a Close
/// frame, then reading until nym-client drops it, appending what arrives), and the connection waits for its next turn.
/// </remarks>
public sealed partial class NymConnection
{
    private const int Accepting = 0, RefusingForShutdown = 1, RefusingAfterTurn = 2;
    private const string GaveUpReason = "gave up the connection: no longer the leader";

    // Accepting, or why sends are refused; a shutdown overrides the end of a turn and is never undone.
    private int _refusing;

    private NymUnavailableException Refusal() =>
        Volatile.Read(ref _refusing) == RefusingForShutdown ? NymUnavailableException.ForShutdown() : GaveUpRefusal();

    private static NymUnavailableException GaveUpRefusal() =>
        new("This instance gave up its connection to nym-client: it no longer leads the cluster. Nothing was sent; send it again (Retry-After), to the leader or through any instance.");

    /// <summary>From the turn's token: refuse new sends and close this session's queue, so the writer drains it and the socket is half-closed.</summary>
    private void EndTurn()
    {
        Interlocked.CompareExchange(ref _refusing, RefusingAfterTurn, Accepting);
        Outbound.Writer.TryComplete();
    }

    /// <summary>After a turn that ended: a fresh queue (the old one stays completed) and sends accepted again.</summary>
    private void BeginTurn()
    {
        if (Volatile.Read(ref _refusing) != RefusingAfterTurn)
        {
            return;
        }

        var fresh = NewOutbound();
        Interlocked.Exchange(ref _outbound, fresh);
        Interlocked.CompareExchange(ref _refusing, Accepting, RefusingAfterTurn);
        if (Volatile.Read(ref _refusing) == RefusingForShutdown)
        {
            // A stop that began meanwhile may have completed the queue this one replaced: the writer must still run dry.
            fresh.Writer.TryComplete();
        }
    }
}
