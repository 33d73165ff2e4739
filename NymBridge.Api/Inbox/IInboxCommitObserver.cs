namespace NymBridge.Api.Inbox;

/// <summary>
/// Told about every committed batch, in seq order (each batch contiguous and after the previous one). Joins
/// the write path (<see cref="InboxWriter"/>) to the fan-out (<see cref="InboxFeed"/>), so that the fan-out
/// can be driven by something else than local commits (a Redis tail, in cluster mode).
/// </summary>
public interface IInboxCommitObserver
{
    /// <summary>A batch is durable. Never blocks, never throws: the batch loop calls it.</summary>
    void OnCommitted(IReadOnlyList<InboxEvent> committed);

    /// <summary>The writer stopped: end waits and subscriptions.</summary>
    void OnClosed();
}
