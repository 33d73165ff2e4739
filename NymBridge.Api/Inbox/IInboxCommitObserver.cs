namespace NymBridge.Api.Inbox;

/// Told about every committed batch, in seq order (each batch contiguous and after the previous one).
public interface IInboxCommitObserver
{
    void OnCommitted(IReadOnlyList<InboxEvent> committed); // never blocks, never throws
    void OnClosed();                                          // the writer stopped: end waits and subscriptions
}
